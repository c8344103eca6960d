package main

import (
	"os"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/safetensors"
)

// writeSafetensors writes the weights and metadata of the ONNX model in
// data as a safetensors state dict at path.
func writeSafetensors(path string, data []byte) error {
	m, err := onnx.Parse(data, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	_, w, err := m.ResNet()
	if err != nil {
		return err
	}
	var ts []safetensors.Tensor
	for name, v := range w {
		t, err := safetensors.FromFloat32(name, v.Shape, v.Data)
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	b, err := safetensors.Encode(ts, m.Metadata)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
