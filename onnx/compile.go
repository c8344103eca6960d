package onnx

import (
	"fmt"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/opt"
)

// CompileOptions configure Model.CompileGraph and LoadModel: how the graph
// is imported (the input size for symbolic height and width, the graph's
// caps), which passes run, and how the executor runs it (threads, batch,
// kernels level). The zero value (or nil) gives the defaults.
type CompileOptions struct {
	// Import sets the input size and the graph's caps (see ImportOptions).
	// A zero Height and Width take the model's fixed input size, or
	// DefaultImportSize where it is symbolic.
	Import ImportOptions
	// Passes configures graph/opt (nil: every pass, default caps).
	Passes *opt.Options
	// Engine sets threads, worker pool, MaxBatch and kernels level.
	Engine engine.Options
}

// CompileGraph imports the model's graph (Import), runs the passes of
// graph/opt on it (constant folding, clean-up, BatchNorm, Pad, residual and
// activation fusion), checks that every node is one gorn runs
// (graph.Check) and compiles it with engine.Compile, which packs the
// weights once. The Model must stay open until CompileGraph returns; the
// compiled model then holds only packed weights, and the file may be
// closed. A graph outside the supported set is refused with an error that
// names the node and the operator.
func (m *Model) CompileGraph(o *CompileOptions) (*engine.Model, error) {
	var co CompileOptions
	if o != nil {
		co = *o
	}
	g, err := m.Import(&co.Import)
	if err != nil {
		return nil, err
	}
	if err := opt.Optimize(g, co.Passes); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if err := graph.Check(g); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	em, err := engine.Compile(g, &co.Engine)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return em, nil
}

// LoadModel loads the ONNX file at path and compiles it (see
// Model.CompileGraph). The file is closed before LoadModel returns.
func LoadModel(path string, o *CompileOptions) (*engine.Model, error) {
	m, err := Load(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	em, err := m.CompileGraph(o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return em, nil
}
