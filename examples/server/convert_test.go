package main

import (
	"os"

	"github.com/gorn-ml/gorn/internal/statedict"
	"github.com/gorn-ml/gorn/onnx"
)

// writeSafetensors writes the weights and metadata of the ONNX model in
// data as a safetensors state dict at path.
func writeSafetensors(path string, data []byte) error {
	m, err := onnx.Parse(data, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	b, err := statedict.Safetensors(m, nil)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
