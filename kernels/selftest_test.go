package kernels

import (
	"errors"
	"github.com/gorn-ml/gorn/internal/leveltest"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// cloneLevel returns a copy of im's kernel table as a new level named name
// whose (pretend) CPU features are present, with a fresh verdict.
func cloneLevel(im *Impl, name string) *Impl {
	return &Impl{
		name: name, features: []feature{{"TEST", "test", true}},
		mr: im.mr, nr: im.nr, panelsL1: im.panelsL1,
		kernel: im.kernel, strip: im.strip, ew: im.ew, wino: im.wino, moves: im.moves,
	}
}

// Every level this CPU has passes its self-test.
func TestSelfTestPasses(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		if err := im.Err(); err != nil {
			t.Fatal(err)
		}
		if err := selfTest(im); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", im.Name(), im.Reason())
	})
	if err := SelfTestError(); err != nil {
		t.Fatal(err)
	}
}

// breakages are deliberately wrong kernels, each in one table entry, each
// of which the self-test must catch and name.
var breakages = []struct {
	name, want string // want: the kernel the error must name
	apply      func(im *Impl)
}{
	{"strip ignores ReLU", "gemm strip", func(im *Impl) {
		s := im.strip
		im.strip = func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows, h int) {
			s(a, lda, b, kc, c, ldc, bias, flags&^flagReLU, rows, h)
		}
	}},
	{"strip wrong on a short edge tile", "gemm strip", func(im *Impl) {
		s, mr := im.strip, im.mr
		im.strip = func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows, h int) {
			s(a, lda, b, kc, c, ldc, bias, flags, rows, h)
			if h < mr && h > 1 {
				*c += 0.5
			}
		}
	}},
	{"strip drops the K tail", "gemm strip", func(im *Impl) {
		s := im.strip
		im.strip = func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows, h int) {
			s(a, lda, b, max(kc&^7, 1), c, ldc, bias, flags, rows, h)
		}
	}},
	{"micro-kernel ignores the bias", "gemm micro-kernel", func(im *Impl) {
		k := im.kernel
		im.kernel = func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
			k(a, lda, b, kc, c, ldc, nil, flags)
		}
	}},
	{"gemv accumulates wrongly", "matrix-vector", func(im *Impl) {
		im.ew.gemv4 = func(a, b *float32, kc int, c, bias *float32, flags int) {
			*c = 1e9
		}
	}},
	{"max pooling skips the last channel", "pooling", func(im *Impl) {
		k := im.ew.maxWindows
		im.ew.maxWindows = func(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32) {
			k(dst, src, c, n, step, kh, kw, ldh, ldw, div)
			*(*float32)(unsafe.Add(unsafe.Pointer(dst), 4*(c-1))) = 0
		}
	}},
	{"average pooling divides wrongly", "pooling", func(im *Impl) {
		k := im.ew.avgWindows
		im.ew.avgWindows = func(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32) {
			k(dst, src, c, n, step, kh, kw, ldh, ldw, div+1)
		}
	}},
	{"scale-shift fuses", "elementwise", func(im *Impl) {
		im.ew.scaleShift = func(dst, src, scale, shift *float32, c, rows, flags int) {
			genericScaleShift(dst, src, scale, shift, c, rows, flags)
			*dst = -*dst
		}
	}},
	{"add ignores ReLU", "elementwise", func(im *Impl) {
		k := im.ew.add
		im.ew.add = func(dst, a, b *float32, n, flags int) { k(dst, a, b, n, 0) }
	}},
	{"winograd input writes nothing", "winograd", func(im *Impl) {
		im.wino.input[winoF3] = func(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {}
	}},
	{"winograd output ignores accumulate", "winograd", func(im *Impl) {
		for v := range im.wino.output {
			im.wino.output[v] = func(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
				m, t := winoVariant(v).sizes()
				genericWinoOutput(winoVariant(v), unsafe.Slice(dst, (m-1)*(rowStride+colStride)+n), rowStride, colStride,
					unsafe.Slice(src, (t*t-1)*srcStride+n), srcStride, n, nil, flags&^flagAccumulate)
			}
		}
	}},
	{"copy rows one short", "im2col moves", func(im *Impl) {
		k := im.moves.copyRows
		im.moves.copyRows = func(dst *float32, ldd int, src *float32, step, n, count int) {
			k(dst, ldd, src, step, n, count-1)
		}
	}},
	{"scatter3 writes past the group", "im2col moves", func(im *Impl) {
		k := im.moves.scatter3
		im.moves.scatter3 = func(dst *float32, stride int, src *float32, count int) {
			k(dst, stride, src, count)
			*(*float32)(unsafe.Add(unsafe.Pointer(dst), 12)) = 1
		}
	}},
}

// A level with one broken kernel fails its self-test, names the kernel,
// is not available, and its error wraps ErrSelfTest: for every breakage,
// on every level this CPU runs (the generic level's table included).
func TestSelfTestCatchesBrokenKernels(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		for _, bk := range breakages {
			bad := cloneLevel(im, "broken")
			bk.apply(bad)
			if bk.want == "matrix-vector" && im.ew.gemv4 == nil {
				bad.ew.gemv4 = nil // the level has none: nothing to break
				continue
			}
			if bad.Available() {
				t.Errorf("%s: a level with it is available", bk.name)
				continue
			}
			err := bad.Err()
			if !errors.Is(err, ErrSelfTest) || !strings.Contains(err.Error(), bk.want) {
				t.Errorf("%s: error %v, want one wrapping ErrSelfTest naming %q", bk.name, err, bk.want)
			}
			if !strings.Contains(bad.Reason(), "self-test failed") {
				t.Errorf("%s: reason %q", bk.name, bad.Reason())
			}
		}
		if ok := cloneLevel(im, "intact"); !ok.Available() || ok.Err() != nil {
			t.Fatalf("an intact copy of %s: available %v, %v", im.Name(), ok.Available(), ok.Err())
		}
	})
}

// A level whose CPU feature is missing is unavailable, says why, and its
// self-test does not run (its kernels could fault).
func TestLevelMissingFeature(t *testing.T) {
	im := cloneLevel(generic, "missing")
	im.features = []feature{{"NOPE", "nope", false}}
	im.strip = func(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows, h int) {
		t.Fatal("the self-test ran the kernels of a level whose features are missing")
	}
	if im.Available() || im.Err() != nil || !strings.Contains(im.Reason(), "lacks NOPE") {
		t.Fatalf("available %v, err %v, reason %q", im.Available(), im.Err(), im.Reason())
	}
	t.Setenv("GODEBUG", "cpu.nope=off")
	if r := missing(im.features[0]); r != "GODEBUG=cpu.nope=off turns off NOPE" {
		t.Fatalf("with GODEBUG: %q", r)
	}
}

// The self-test costs well under a millisecond per level (logged, not
// asserted: the machine may be loaded).
func TestSelfTestCost(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		best := time.Hour
		for i := 0; i < 5; i++ {
			start := time.Now()
			if err := selfTest(im); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		t.Logf("self-test of %s: %v (best of 5)", im.Name(), best)
	})
}

func BenchmarkSelfTest(b *testing.B) {
	for _, im := range Impls() {
		if !im.Available() {
			continue
		}
		b.Run("impl="+im.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := selfTest(im); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Every level GORN_REQUIRE_LEVEL names is compiled in and available (its
// CPU features present and its self-test passed).
func TestRequiredLevels(t *testing.T) {
	var levels []leveltest.Level
	for _, im := range Impls() {
		levels = append(levels, im)
	}
	leveltest.CheckRequired(t, levels)
	t.Logf("%s=%q", leveltest.Env, leveltest.Required())
}
