package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// FixtureArch is the JSON sidecar of one of testdata's reference models
// (testdata/README.md): the architecture as the generating script wrote it.
type FixtureArch struct {
	Name          string  `json:"name"`
	Block         string  `json:"block"`   // "basic" or "bottleneck"
	Version       string  `json:"version"` // "v1", "v1.5" or "v2"
	Layers        []int   `json:"layers"`
	Width         int     `json:"width"`
	Groups        int     `json:"groups"`
	WidthPerGroup int     `json:"width_per_group"`
	Classes       int     `json:"classes"`
	InputShape    []int   `json:"input_shape"` // N, C, H, W of __input__
	StageOut      []int   `json:"stage_out_channels"`
	BNEps         float64 `json:"bn_eps"`
	Params        int     `json:"params"` // parameters and buffers
}

// ReadFixtureArch reads the sidecar of the fixture at path: path itself
// when it ends in .json, else path with its .safetensors suffix replaced
// by .json.
func ReadFixtureArch(path string) (FixtureArch, error) {
	var a FixtureArch
	if !strings.HasSuffix(path, ".json") {
		path = strings.TrimSuffix(path, ".safetensors") + ".json"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
