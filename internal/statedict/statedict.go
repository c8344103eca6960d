// Package statedict turns a torchvision ResNet exported to ONNX with
// BatchNorm fused (every convolution with a bias) back into a safetensors
// state dict, for tests that run the same network from both formats. The
// state-dict names come from the exporter's node names:
// "/layer2/layer2.0/downsample/downsample.0/Conv" is
// layer2.0.downsample.0, "/fc/Gemm" is fc.
package statedict

import (
	"fmt"
	"maps"
	"strings"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/safetensors"
)

// Tensors returns m's convolution and fc weights under state-dict names.
func Tensors(m *onnx.Model) ([]safetensors.Tensor, error) {
	inits := map[string]*onnx.Tensor{}
	for i := range m.Graph.Initializers {
		inits[m.Graph.Initializers[i].Name] = &m.Graph.Initializers[i]
	}
	var out []safetensors.Tensor
	add := func(key, init string) error {
		src := inits[init]
		if src == nil {
			return fmt.Errorf("statedict: no initializer %q for %s", init, key)
		}
		data, err := src.Float32s()
		if err != nil {
			return err
		}
		shape := make([]int, len(src.Dims))
		for i, d := range src.Dims {
			shape[i] = int(d)
		}
		t, err := safetensors.FromFloat32(key, shape, data)
		out = append(out, t)
		return err
	}
	for _, n := range m.Graph.Nodes {
		var key string
		switch n.OpType {
		case "Conv":
			key = convKey(n.Name)
		case "Gemm":
			key = "fc"
		default:
			continue
		}
		if len(n.Inputs) != 3 || key == "" {
			return nil, fmt.Errorf("statedict: node %q: want a named Conv or Gemm with a bias", n.Name)
		}
		if err := add(key+".weight", n.Inputs[1]); err != nil {
			return nil, err
		}
		if err := add(key+".bias", n.Inputs[2]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// convKey is the module path of a Conv node named like
// "/layer1/layer1.0/conv1/Conv": each path element that the next one
// extends ("layer1" before "layer1.0") is dropped.
func convKey(name string) string {
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	parts = parts[:len(parts)-1]
	var key []string
	for i, p := range parts {
		if i+1 < len(parts) && strings.HasPrefix(parts[i+1], p+".") {
			continue
		}
		key = append(key, p)
	}
	return strings.Join(key, ".")
}

// Safetensors encodes m's state dict with m's metadata, extra entries
// added (they win).
func Safetensors(m *onnx.Model, extra map[string]string) ([]byte, error) {
	ts, err := Tensors(m)
	if err != nil {
		return nil, err
	}
	meta := maps.Clone(m.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	maps.Copy(meta, extra)
	return safetensors.Encode(ts, meta)
}
