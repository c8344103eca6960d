package kernels

import "fmt"

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
type Impl struct {
	name      string
	requires  string // CPU features, for messages
	available bool   // the CPU (after GODEBUG) has requires
	mr, nr    int
	// panelsL1 is how many packed B panels (kc x NR) of the largest K
	// block fit in L1 (0: 2, one panel beside the A rows it meets); see kcFor.
	panelsL1 int
	kernel   microKernel
	strip    stripKernel // what the driver calls; kernel is its one-tile form
	ew       elemKernels // pooling, elementwise and matrix-vector kernels
	wino     winoKernels // vector Winograd transforms; nil entries: generic
	moves    moveKernels // im2col's copies
}

// Name is the level's short name: "avx512", "avx2", "neon" or "generic".
func (im *Impl) Name() string { return im.name }

// Available reports whether this CPU (after GODEBUG overrides) runs the level.
func (im *Impl) Available() bool { return im.available }

// Requires names the CPU features the level needs, e.g. "AVX2, FMA".
func (im *Impl) Requires() string { return im.requires }

// MR is the number of rows of C one micro-kernel call computes.
func (im *Impl) MR() int { return im.mr }

// NR is the number of columns of C one micro-kernel call computes; packed B
// panels are NR columns wide.
func (im *Impl) NR() int { return im.nr }

// String returns the name and tile shape, e.g. "avx2 (6x16)".
func (im *Impl) String() string { return fmt.Sprintf("%s (%dx%d)", im.name, im.mr, im.nr) }

// generic is the portable pure-Go level; it is always available.
var generic = &Impl{
	name: "generic", requires: "none", available: true,
	mr: genericMR, nr: genericNR, kernel: genericKernel, strip: genericStrip,
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
		if im.available {
			return im
		}
	}
	return generic
}

// Generic returns the portable pure-Go level.
func Generic() *Impl { return generic }

// Lookup returns the level with the given name, or an error if it is not
// compiled in or this CPU cannot run it.
func Lookup(name string) (*Impl, error) {
	for _, im := range registry {
		if im.name == name {
			if !im.available {
				return nil, fmt.Errorf("kernels: level %q needs %s, which this CPU lacks", name, im.requires)
			}
			return im, nil
		}
	}
	return nil, fmt.Errorf("kernels: no level %q in this build", name)
}
