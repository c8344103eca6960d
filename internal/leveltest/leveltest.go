// Package leveltest lets the tests of gorn's packages run over every
// kernels level without silently skipping one that should run:
// GORN_REQUIRE_LEVEL (a comma-separated list of level names, e.g.
// "avx512,avx2") makes a test fail, instead of skipping, when a level it
// names is unavailable (the CPU lacks a feature, GODEBUG masks it, or its
// self-test failed) or not compiled in. CI sets it for each CPU it runs
// on, natively and under qemu.
package leveltest

import (
	"os"
	"strings"
	"testing"
)

// Env is the variable that names the required levels.
const Env = "GORN_REQUIRE_LEVEL"

// Level is what the tests know of a kernels level (a *kernels.Impl).
type Level interface {
	Name() string
	Available() bool
	Reason() string
}

// Required returns the level names Env lists.
func Required() []string {
	var names []string
	for _, s := range strings.Split(os.Getenv(Env), ",") {
		if s = strings.TrimSpace(s); s != "" {
			names = append(names, s)
		}
	}
	return names
}

// required reports whether Env names name.
func required(name string) bool {
	for _, n := range Required() {
		if n == name {
			return true
		}
	}
	return false
}

// SkipUnavailable ends t when lv is unavailable: as a failure if Env names
// lv, else as a skip. Call it first in a subtest that runs lv.
func SkipUnavailable(t testing.TB, lv Level) {
	t.Helper()
	if lv.Available() {
		return
	}
	if required(lv.Name()) {
		t.Fatalf("%s=%s requires level %s, which is unavailable: %s", Env, os.Getenv(Env), lv.Name(), lv.Reason())
		return
	}
	t.Skipf("level %s: %s", lv.Name(), lv.Reason())
}

// CheckRequired fails t for every level Env names that is not among levels
// (compiled in) or is unavailable.
func CheckRequired(t testing.TB, levels []Level) {
	t.Helper()
	for _, name := range Required() {
		found := false
		for _, lv := range levels {
			if lv.Name() == name {
				found = true
				if !lv.Available() {
					t.Errorf("%s requires level %s, which is unavailable: %s", Env, name, lv.Reason())
				}
			}
		}
		if !found {
			t.Errorf("%s requires level %s, which this build does not have", Env, name)
		}
	}
}
