package onnx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// TestLoadModelRefuses: a graph with an operator or attribute outside the
// supported set is refused by LoadModel with an error that names the node,
// its operator and what is supported, and wraps graph.ErrUnsupported.
func TestLoadModelRefuses(t *testing.T) {
	w := tensorMsg("w", []int64{4, 3, 3, 3}, make([]float32, 4*3*3*3)...)
	conv := nodeMsg("Conv", "conv0", []string{"x", "w"}, []string{"c"}, attrInts("pads", 1, 1, 1, 1))
	for _, tc := range []struct {
		name  string
		node  msg
		op    string
		inits []msg
		want  []string // besides the node's name and operator
	}{
		{"lstm", nodeMsg("LSTM", "the_lstm", []string{"c", "w"}, []string{"y"}, attrInt("hidden_size", 4)), "LSTM", nil,
			[]string{"supported", "Conv", "Relu"}},
		{"resize", nodeMsg("Resize", "up2", []string{"c", "", "scales"}, []string{"y"}, attrString("mode", "nearest")), "Resize",
			[]msg{tensorMsg("scales", []int64{4}, 1, 1, 2, 2)}, []string{"supported", "Conv"}},
		{"gridsample", nodeMsg("GridSample", "gs", []string{"c", "c"}, []string{"y"}), "GridSample", nil,
			[]string{"supported"}},
		{"leakyrelu-attr", nodeMsg("Relu", "relu_with_attr", []string{"c"}, []string{"y"}, attrFloat("alpha", 0.2)), "Relu", nil,
			[]string{"alpha"}},
		{"maxpool-storage-order", nodeMsg("MaxPool", "pool_col_major", []string{"c"}, []string{"y"},
			attrInts("kernel_shape", 2, 2), attrInt("storage_order", 1)), "MaxPool", nil, []string{"storage_order"}},
		{"reduce-channels", nodeMsg("ReduceMean", "mean_c", []string{"c"}, []string{"y"}, attrInts("axes", 1)), "ReduceMean", nil,
			[]string{"supported", "axes"}},
		{"pad-reflect", nodeMsg("Pad", "reflect_pad", []string{"c", "pads"}, []string{"y"}, attrString("mode", "reflect")), "Pad",
			[]msg{intTensorMsg("pads", 0, 0, 1, 1, 0, 0, 1, 1)}, []string{"mode", "supported"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inits := append([]msg{w}, tc.inits...)
			g := graphMsg([]msg{conv, tc.node}, inits, []any{1, 3, 8, 8}, "y")
			path := filepath.Join(t.TempDir(), tc.name+".onnx")
			if err := os.WriteFile(path, modelMsg(13, g), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := LoadModel(path, nil)
			if err == nil {
				m.Close()
				t.Fatalf("loaded a graph with %s", tc.op)
			}
			t.Log(err)
			msg := err.Error()
			if !errors.Is(err, graph.ErrUnsupported) {
				t.Errorf("error does not wrap graph.ErrUnsupported: %v", err)
			}
			for _, s := range append([]string{tc.op, nodeMsgName(tc.node)}, tc.want...) {
				if !strings.Contains(msg, s) {
					t.Errorf("error does not mention %q: %v", s, err)
				}
			}
		})
	}
}

// nodeMsgName is the name field of a NodeProto built by nodeMsg.
func nodeMsgName(n msg) string {
	m, err := Parse(modelMsg(13, graphMsg([]msg{n}, nil, []any{1}, "y")), nil)
	if err != nil || len(m.Graph.Nodes) != 1 {
		return "?"
	}
	return m.Graph.Nodes[0].Name
}

// intTensorMsg is a 1-D INT64 TensorProto.
func intTensorMsg(name string, vs ...int64) msg {
	return msg(nil).packedInts(1, int64(len(vs))).varint(2, int64(Int64)).str(8, name).packedInts(7, vs...)
}
