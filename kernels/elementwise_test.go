package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// specialFloats are values elementwise kernels must carry through exactly:
// NaN of either sign, a signalling NaN, infinities, zeros of both signs, the
// largest float (whose products overflow) and a denormal.
var specialFloats = []float32{
	float32(math.NaN()), math.Float32frombits(0xffc00000), math.Float32frombits(0x7f800001),
	float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
	math.MaxFloat32, -math.MaxFloat32, 1e-40,
}

// randSpecial returns n values in [-2, 2), about one in eight of them
// special.
func randSpecial(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		if r.IntN(8) == 0 {
			s[i] = specialFloats[r.IntN(len(specialFloats))]
		} else {
			s[i] = r.Float32()*4 - 2
		}
	}
	return s
}

// relu64 is ReLU in float64: NaN and -0 become +0.
func relu64(v float64, relu bool) float64 {
	if relu && !(v > 0) {
		return 0
	}
	return v
}

// sameBits reports whether got is want rounded to float32, bit for bit, or
// both are NaN.
func sameBits(got float32, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(float64(got))
	}
	return math.Float32bits(got) == math.Float32bits(float32(want))
}

func TestScaleShift(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(4, 7))
		chans := []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 39, 64, 65, 100, 2048}
		for _, c := range chans {
			rowCounts := []int{1, 2, 5}
			if c == 64 || c == 65 { // more than one call's worth
				rowCounts = append(rowCounts, 1100)
			}
			for _, rows := range rowCounts {
				for _, relu := range []bool{false, true} {
					for _, inPlace := range []bool{false, true} {
						scaleShiftCase(t, im, r, c, rows, relu, inPlace)
					}
				}
			}
		}
	})
}

func scaleShiftCase(t *testing.T, im *Impl, r *rand.Rand, c, rows int, relu, inPlace bool) {
	name := fmt.Sprintf("c=%d/rows=%d/relu=%v/inPlace=%v", c, rows, relu, inPlace)
	src, sw := guarded(rows * c)
	copy(src, randSpecial(r, rows*c))
	scale, scw := guarded(c)
	copy(scale, randSpecial(r, c))
	shift, shw := guarded(c)
	copy(shift, randSpecial(r, c))
	// The reference: the product rounded to float32 (a float64 product
	// of two float32 is exact), then the sum rounded to float32.
	want := make([]float64, rows*c)
	for i, v := range src {
		p := float32(float64(v) * float64(scale[i%c]))
		want[i] = relu64(float64(float32(float64(p)+float64(shift[i%c]))), relu)
	}
	dst, dw := src, sw
	if !inPlace {
		dst, dw = guarded(rows * c)
	}
	if err := im.ScaleShift(dst, src, c, scale, shift, relu); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, w := range want {
		if !sameBits(dst[i], w) {
			t.Fatalf("%s: dst[%d] = %v (%#x), want %v; src %v scale %v shift %v", name, i, dst[i],
				math.Float32bits(dst[i]), float32(w), src[i], scale[i%c], shift[i%c])
		}
	}
	for _, g := range []struct {
		name  string
		whole []float32
	}{{"src", sw}, {"dst", dw}, {"scale", scw}, {"shift", shw}} {
		checkGuards(t, name+" "+g.name, g.whole)
	}
}

func TestAdd(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(5, 7))
		sizes := []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 39, 40, 41, 64, 100, 1000, 70003}
		for _, n := range sizes {
			for _, relu := range []bool{false, true} {
				for alias := 0; alias < 3; alias++ { // 0: dst apart, 1: dst is a, 2: dst is b
					a, aw := guarded(n)
					copy(a, randSpecial(r, n))
					b, bw := guarded(n)
					copy(b, randSpecial(r, n))
					want := make([]float64, n)
					for i := range want {
						want[i] = relu64(float64(a[i])+float64(b[i]), relu)
					}
					dst, dw := guarded(n)
					switch alias {
					case 1:
						dst, dw = a, aw
					case 2:
						dst, dw = b, bw
					}
					if err := im.Add(dst, a, b, relu); err != nil {
						t.Fatal(err)
					}
					for i, w := range want {
						if !sameBits(dst[i], w) {
							t.Fatalf("n=%d relu=%v alias=%d: dst[%d] = %v, want %v (%v + %v)", n, relu, alias, i, dst[i], float32(w), a[i], b[i])
						}
					}
					checkGuards(t, "a", aw)
					checkGuards(t, "b", bw)
					checkGuards(t, "dst", dw)
				}
			}
		}
	})
}

func TestElementwiseBadArguments(t *testing.T) {
	s := make([]float32, 12)
	for _, im := range []*Impl{Active(), Generic()} {
		cases := map[string]error{
			"scale-shift c=0":         im.ScaleShift(s, s, 0, s, s, false),
			"scale-shift not rows":    im.ScaleShift(s, s, 5, s, s, false),
			"scale-shift short scale": im.ScaleShift(s, s, 4, s[:3], s, false),
			"scale-shift short shift": im.ScaleShift(s, s, 4, s, s[:3], true),
			"scale-shift short dst":   im.ScaleShift(s[:8], s, 4, s, s, false),
			"add short b":             im.Add(s, s, s[:11], false),
			"add short dst":           im.Add(s[:11], s, s, true),
		}
		for name, err := range cases {
			if !errors.Is(err, ErrShape) {
				t.Errorf("%s %s: got %v, want ErrShape", im.Name(), name, err)
			}
		}
		if err := im.ScaleShift(nil, nil, 3, s, s, true); err != nil {
			t.Errorf("empty scale-shift: %v", err)
		}
		if err := im.Add(nil, nil, nil, true); err != nil {
			t.Errorf("empty add: %v", err)
		}
	}
}
