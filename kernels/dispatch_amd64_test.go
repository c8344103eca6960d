//go:build !purego

package kernels

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestAVXDispatch checks that the amd64 levels follow x/sys/cpu: avx512 is
// the default wherever the CPU has AVX-512F (and AVX2, FMA) and its
// self-test passes; GODEBUG=cpu.avx512f=off selects avx2, cpu.avx2=off
// generic; and each level's reason says which applies.
func TestAVXDispatch(t *testing.T) {
	t.Logf("GODEBUG=%q: AVX-512F %v, AVX2 %v, FMA %v; active level %v",
		os.Getenv("GODEBUG"), cpu.X86.HasAVX512F, cpu.X86.HasAVX2, cpu.X86.HasFMA, Active())
	has2 := cpu.X86.HasAVX2 && cpu.X86.HasFMA
	has512 := cpu.X86.HasAVX512F && has2
	if avx2.Available() != (has2 && avx2.Err() == nil) || avx512.Available() != (has512 && avx512.Err() == nil) {
		t.Fatalf("avx2 available %v, avx512 available %v, features %v %v", avx2.Available(), avx512.Available(), has2, has512)
	}
	if err := SelfTestError(); err != nil {
		t.Fatal(err)
	}
	want := generic
	switch {
	case has512:
		want = avx512
	case has2:
		want = avx2
	}
	if Active() != want {
		t.Fatalf("active level %v, want %v", Active(), want)
	}
	for _, c := range []struct {
		im      *Impl
		feature string
		has     bool
	}{{avx512, "avx512f", cpu.X86.HasAVX512F}, {avx2, "avx2", cpu.X86.HasAVX2}} {
		r := c.im.Reason()
		switch {
		case godebugOff(c.feature) && !strings.Contains(r, "GODEBUG=cpu."):
			t.Errorf("%s: GODEBUG turns %s off, reason %q", c.im.Name(), c.feature, r)
		case c.im.Available() && !strings.Contains(r, "self-test passed"):
			t.Errorf("%s: available, reason %q", c.im.Name(), r)
		}
	}
	if godebugOff("avx512f") && avx512.Available() || godebugOff("avx2") && avx2.Available() {
		t.Fatal("GODEBUG did not turn a level off")
	}
}
