//go:build !purego

package kernels

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// godebugOff reports whether GODEBUG turns off the CPU feature name (or
// all of them), as x/sys/cpu reads it.
func godebugOff(name string) bool {
	off := false
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		switch kv {
		case "cpu.all=off", "cpu." + name + "=off":
			off = true
		case "cpu.all=on", "cpu." + name + "=on":
			off = false
		}
	}
	return off
}

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
