package main

import (
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-model", "m.onnx", "-inflight", "3", "-resize", "32", "-crop", "32"})
	if err != nil || o.model.Path != "m.onnx" || o.cfg.MaxInFlight != 3 || o.model.Crop != 32 {
		t.Errorf("parseOptions: %+v, %v", o, err)
	}
	for _, args := range [][]string{{}, {"-model", "m.onnx", "-bogus"}, {"-model", "m.onnx", "-labels", "/nonexistent"}} {
		if _, err := parseOptions(args); err == nil {
			t.Errorf("parseOptions(%q) accepted", args)
		}
	}
	if err := serve([]string{"-model", "/nonexistent.onnx"}); err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("serve with a missing model: %v", err)
	}
	if err := serve([]string{"-model", "../../testdata/digits/digits_resnet.onnx", "-crop", "8"}); err == nil {
		t.Error("serve with crop 8 accepted")
	}
}
