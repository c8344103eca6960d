package kernels

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// Epilogue flag bits passed to micro-kernels. The assembly kernels test the
// same bit values; keep them in step with the declarations in kernels/amd64
// and kernels/arm64.
const (
	flagAccumulate = 1 // start from the existing C instead of zero
	flagReLU       = 2 // clamp the stored result at zero
)

// microKernel computes one MR x NR tile of C, MR and NR being those of its
// Impl. Its reference loop is:
//
//	for i := 0; i < MR; i++ {
//		for j := 0; j < NR; j++ {
//			acc := float32(0)
//			for p := 0; p < kc; p++ {
//				acc += a[i*lda+p] * b[p*NR+j] // fused multiply-add where the CPU has it
//			}
//			if flags&flagAccumulate != 0 {
//				acc += c[i*ldc+j]
//			}
//			if bias != nil {
//				acc += bias[j]
//			}
//			if flags&flagReLU != 0 && !(acc > 0) {
//				acc = 0
//			}
//			c[i*ldc+j] = acc
//		}
//	}
//
// a points at MR rows of kc readable floats each, lda apart; b at a packed
// panel of kc*NR floats; c at MR rows of NR writable floats, ldc apart; bias,
// when not nil, at NR floats. kc >= 1. Every accumulator is its own chain of
// operations in p order, so a value does not depend on where in the tile its
// element sits.
type microKernel func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int)

// stripKernel computes rows x NR of C (any rows >= 1) against one packed B
// panel, reading A in place, in tiles of h rows (1 <= h <= MR, the last one
// shorter if need be): the microKernel loop with rows for MR. It is what the
// GEMM driver calls, once per panel and block of rows: partial row blocks
// need no scratch copies, and short K blocks no call per tile.
type stripKernel func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows, h int)

// Impl is one implementation level of the kernels: its table of kernels
// (GEMM micro-kernel, elementwise, pooling windows, Winograd transforms,
// im2col moves) and the tile shape its packed weights use. Each level is one
// literal (generic here, the others in dispatch_<arch>.go); a nil entry of
// its Winograd table leaves that transform to the generic code. The values
// are fixed at start-up; use [Active], [Impls] or [Lookup] to get one.
//
// A level is available when the CPU has its features (as x/sys/cpu reports
// them, after GODEBUG) and its self-test passed: the first time it is
// considered, each of its kernels runs a few small fixed problems and its
// results are compared with the generic level's (see [Impl.Err]).
type Impl struct {
	name     string
	features []feature // what the CPU must have; none for generic
	mr, nr   int
	// panelsL1 is how many packed B panels (kc x NR) of the largest K
	// block fit in L1 (0: 2, one panel beside the A rows it meets); see kcFor.
	panelsL1 int
	kernel   microKernel
	strip    stripKernel // what the driver calls; kernel is its one-tile form
	ew       elemKernels // pooling, elementwise and matrix-vector kernels
	wino     winoKernels // vector Winograd transforms; nil entries: generic
	moves    moveKernels // im2col's copies

	check levelCheck // the features and self-test verdict, once
}

// feature is one CPU feature a level needs.
type feature struct {
	name    string // as people write it, e.g. "AVX-512F"
	godebug string // x/sys/cpu's GODEBUG name, e.g. "avx512f"
	has     bool   // what x/sys/cpu reports (OS support and GODEBUG included)
}

// levelCheck is a level's verdict, computed once: whether the CPU has its
// features, and if so the self-test's error.
type levelCheck struct {
	once      sync.Once
	available bool
	reason    string
	err       error
}

// checked returns the level's verdict, computing it the first time.
func (im *Impl) checked() *levelCheck {
	c := &im.check
	c.once.Do(func() {
		for _, f := range im.features {
			if !f.has {
				c.reason = missing(f)
				return
			}
		}
		if len(im.features) == 0 {
			c.available, c.reason = true, "portable Go, always available"
			return
		}
		if c.err = selfTest(im); c.err != nil {
			c.reason = "the CPU has " + im.Requires() + " but the self-test failed: " + c.err.Error()
			return
		}
		c.available = true
		c.reason = "the CPU has " + im.Requires() + " and the self-test passed"
	})
	return c
}

// missing explains why x/sys/cpu reports f absent.
func missing(f feature) string {
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if kv == "cpu."+f.godebug+"=off" || kv == "cpu.all=off" {
			return "GODEBUG=" + kv + " turns off " + f.name
		}
	}
	return "the CPU (or the OS, which must save its registers) lacks " + f.name
}

// Name is the level's short name: "avx512", "avx2", "neon" or "generic".
func (im *Impl) Name() string { return im.name }

// Available reports whether this CPU (after GODEBUG overrides) runs the
// level: it has the features and the level's self-test passed. The first
// call runs the self-test (well under a millisecond).
func (im *Impl) Available() bool { return im.checked().available }

// Reason says why the level is available or not, e.g. "GODEBUG=cpu.avx512f=off
// turns off AVX-512F" or "the CPU has AVX2, FMA and the self-test passed".
func (im *Impl) Reason() string { return im.checked().reason }

// Err returns the error of the level's self-test (wrapping [ErrSelfTest]),
// or nil if it passed or did not run (the CPU lacks the level's features).
// A level whose self-test failed is not available.
func (im *Impl) Err() error { return im.checked().err }

// Requires names the CPU features the level needs, e.g. "AVX2, FMA", or
// "none".
func (im *Impl) Requires() string {
	if len(im.features) == 0 {
		return "none"
	}
	names := make([]string, len(im.features))
	for i, f := range im.features {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// MR is the number of rows of C one micro-kernel call computes.
func (im *Impl) MR() int { return im.mr }

// NR is the number of columns of C one micro-kernel call computes; packed B
// panels are NR columns wide.
func (im *Impl) NR() int { return im.nr }

// String returns the name and tile shape, e.g. "avx2 (6x16)".
func (im *Impl) String() string { return fmt.Sprintf("%s (%dx%d)", im.name, im.mr, im.nr) }

// generic is the portable pure-Go level; it is always available.
var generic = &Impl{
	name: "generic",
	mr:   genericMR, nr: genericNR, kernel: genericKernel, strip: genericStrip,
	ew: elemKernels{
		maxWindows: genericMaxWindows,
		avgWindows: genericAvgWindows,
		scaleShift: genericScaleShift,
		add:        genericAdd,
	},
	moves: moveKernels{copyRows: genericCopyRows, scatter3: genericScatter3},
}

// registry lists every level compiled in, best first: the architecture's
// (archLevels, from dispatch_<arch>.go), then generic.
var registry = append(append([]*Impl(nil), archLevels...), generic)

// Impls returns every level compiled into this binary, best first, including
// those this CPU cannot run (see [Impl.Available]).
func Impls() []*Impl { return append([]*Impl(nil), registry...) }

// Active returns the best level this CPU runs: what [Sgemm] and [PackB] use
// unless told otherwise.
func Active() *Impl {
	for _, im := range registry {
		if im.Available() {
			return im
		}
	}
	return generic
}

// Generic returns the portable pure-Go level.
func Generic() *Impl { return generic }

// Lookup returns the level with the given name, or an error if it is not
// compiled in or this CPU cannot run it (the error says why; it wraps the
// self-test's error if that failed).
func Lookup(name string) (*Impl, error) {
	for _, im := range registry {
		if im.name == name {
			if c := im.checked(); !c.available {
				if c.err != nil {
					return nil, fmt.Errorf("kernels: level %q is not used: %w", name, c.err)
				}
				return nil, fmt.Errorf("kernels: level %q needs %s: %s", name, im.Requires(), c.reason)
			}
			return im, nil
		}
	}
	return nil, fmt.Errorf("kernels: no level %q in this build", name)
}

// SelfTestError returns the self-test errors of the levels compiled in
// whose CPU features are present (joined), or nil if every one passed. It
// runs the self-tests that have not run yet.
func SelfTestError() error {
	var errs []error
	for _, im := range registry {
		if err := im.Err(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
