package proftab

import (
	"strings"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	rows := []Row{{Name: "a", Op: "conv", MACs: 500, Time: time.Microsecond}, {Name: "b", Op: "fc", Time: 3 * time.Microsecond}}
	var b strings.Builder
	if err := Write(&b, "layer", rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "layer") || !strings.HasPrefix(strings.TrimSpace(lines[3]), "total") {
		t.Fatalf("table:\n%s", b.String())
	}
	// 2*500 FLOP in 1 us is 1 GFLOP/s; b is 75 % of the 4 us total.
	if !strings.Contains(lines[1], "1.0") || !strings.Contains(lines[2], "75.0") {
		t.Errorf("table:\n%s", b.String())
	}
	if g := GFLOPS(500, time.Microsecond); g < 0.999 || g > 1.001 {
		t.Errorf("GFLOPS = %v, want 1", g)
	}
	if g := GFLOPS(500, 0); g != 0 {
		t.Errorf("GFLOPS with no time = %v", g)
	}
}
