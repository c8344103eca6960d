//go:build !purego

package kernels

import (
	"os"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestNEONDispatch checks that the neon level follows cpu.ARM64.HasASIMD:
// chosen by default (every arm64 CPU has ASIMD), and off, with generic
// active, under GODEBUG=cpu.asimd=off.
func TestNEONDispatch(t *testing.T) {
	off := godebugOff("asimd")
	t.Logf("GODEBUG=%q: ASIMD %v, ASIMDDP %v, I8MM %v; active level %v",
		os.Getenv("GODEBUG"), cpu.ARM64.HasASIMD, hasASIMDDP, hasI8MM, Active())
	if neon.Available() != cpu.ARM64.HasASIMD {
		t.Fatalf("neon available = %v, HasASIMD = %v", neon.Available(), cpu.ARM64.HasASIMD)
	}
	switch {
	case off && (neon.Available() || Active() != generic):
		t.Fatalf("GODEBUG turns ASIMD off, but neon available = %v and %v is active", neon.Available(), Active())
	case !off && Active() != neon:
		t.Fatalf("active level is %v, want neon", Active())
	}
	if _, err := Lookup("neon"); (err == nil) == off {
		t.Fatalf("Lookup(neon) = %v with ASIMD off = %v", err, off)
	}
	if godebugOff("asimddp") && hasASIMDDP || godebugOff("i8mm") && hasI8MM {
		t.Fatalf("GODEBUG did not clear ASIMDDP (%v) or I8MM (%v)", hasASIMDDP, hasI8MM)
	}
}
