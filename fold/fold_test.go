package fold_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/nn"
)

func randIn(r *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return s
}

// randomBN draws statistics where every term matters: eps comparable to the
// smaller variances, mean far from var, beta and mean of the size of the
// convolution's output.
func randomBN(r *rand.Rand, c int) fold.BatchNorm {
	bn := fold.BatchNorm{
		Gamma: randIn(r, c, -2, 2), Beta: randIn(r, c, -1, 1),
		Mean: randIn(r, c, -1, 1), Var: randIn(r, c, 0.01, 3), Eps: 0.05,
	}
	return bn
}

// convBN is the unfolded layer in float64, on NHWC: a direct convolution
// (stride 1, padding p) with bias, then the BatchNorm as BatchNorm.
func convBN(src []float32, n, h, w, cin, cout, k, pad int, weights, bias []float32, bn fold.BatchNorm) []float64 {
	out := make([]float64, n*h*w*cout)
	for i := 0; i < n; i++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for o := 0; o < cout; o++ {
					var s float64
					if bias != nil {
						s = float64(bias[o])
					}
					for ky := 0; ky < k; ky++ {
						for kx := 0; kx < k; kx++ {
							iy, ix := y-pad+ky, x-pad+kx
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							for c := 0; c < cin; c++ {
								s += float64(weights[((o*cin+c)*k+ky)*k+kx]) * float64(src[((i*h+iy)*w+ix)*cin+c])
							}
						}
					}
					v := (s-float64(bn.Mean[o]))/math.Sqrt(float64(bn.Var[o])+bn.Eps)*float64(bn.Gamma[o]) + float64(bn.Beta[o])
					out[((i*h+y)*w+x)*cout+o] = v
				}
			}
		}
	}
	return out
}

// folded runs the folded layer through nn.Conv.
func folded(t *testing.T, src []float32, n, h, w, cin, cout, k, pad int, weights, bias []float32, bn fold.BatchNorm) []float32 {
	t.Helper()
	fw, fb, err := fold.IntoConv(weights, bias, bn)
	if err != nil {
		t.Fatal(err)
	}
	c, err := nn.NewConv(nn.SquareConv(cin, cout, k, 1, pad), fw, fb)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, n*h*w*cout)
	if err := c.Forward(dst, src, n, h, w, nn.Epilogue{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	return dst
}

// A convolution followed by a BatchNorm with random statistics equals the
// folded convolution within 1e-5 relative, with and without conv bias; and
// the same comparison rejects the usual folding mistakes, so it can fail.
func TestIntoConvMatchesConvThenBN(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const tol = 1e-5
	for trial := range 20 {
		n, h, w := 1+trial%2, 5+r.IntN(5), 4+r.IntN(6)
		cin, cout, k := 1+r.IntN(9), 1+r.IntN(20), []int{1, 3}[r.IntN(2)]
		pad := k / 2
		weights := randIn(r, cout*cin*k*k, -1, 1)
		var bias []float32
		if trial%2 == 0 {
			bias = randIn(r, cout, -1, 1)
		}
		src := randIn(r, n*h*w*cin, -1, 1)
		bn := randomBN(r, cout)
		want := convBN(src, n, h, w, cin, cout, k, pad, weights, bias, bn)
		got := folded(t, src, n, h, w, cin, cout, k, pad, weights, bias, bn)
		if e := testutil.RelL2(got, want); !(e <= tol) {
			t.Fatalf("trial %d: folded conv is %g from conv+BN (relative L2), want <= %g", trial, e, tol)
		}

		// Mistakes a fold could make, each of which the check above catches.
		wrong := map[string]fold.BatchNorm{
			"eps ignored":          {Gamma: bn.Gamma, Beta: bn.Beta, Mean: bn.Mean, Var: bn.Var, Eps: 0},
			"mean and var swapped": {Gamma: bn.Gamma, Beta: bn.Beta, Mean: bn.Var, Var: absAll(bn.Mean), Eps: bn.Eps},
			"var used as std":      {Gamma: bn.Gamma, Beta: bn.Beta, Mean: bn.Mean, Var: squares(bn.Var), Eps: bn.Eps},
		}
		for name, bad := range wrong {
			if e := testutil.RelL2(folded(t, src, n, h, w, cin, cout, k, pad, weights, bias, bad), want); e <= 100*tol {
				t.Fatalf("trial %d: %s is only %g from the reference: the check cannot see it", trial, name, e)
			}
		}
		if bias != nil {
			if e := testutil.RelL2(folded(t, src, n, h, w, cin, cout, k, pad, weights, nil, bn), want); e <= 100*tol {
				t.Fatalf("trial %d: a dropped conv bias is only %g from the reference", trial, e)
			}
		}
	}
}

func absAll(s []float32) []float32 {
	d := make([]float32, len(s))
	for i, v := range s {
		d[i] = float32(math.Abs(float64(v))) + 0.01
	}
	return d
}

func squares(s []float32) []float32 {
	d := make([]float32, len(s))
	for i, v := range s {
		d[i] = v * v
	}
	return d
}

// The folded values are the correctly rounded float64 formulas.
func TestIntoConvValues(t *testing.T) {
	bn := fold.BatchNorm{Gamma: []float32{2, -0.5}, Beta: []float32{0.25, 1}, Mean: []float32{1, -2}, Var: []float32{3, 0.5}, Eps: 1}
	w := []float32{1, 2, 3, -1, 0.5, 4}
	b := []float32{0.5, -1}
	fw, fb, err := fold.IntoConv(w, b, bn)
	if err != nil {
		t.Fatal(err)
	}
	// s0 = 2/sqrt(4) = 1, s1 = -0.5/sqrt(1.5)
	s1 := -0.5 / math.Sqrt(1.5)
	wantW := []float32{1, 2, 3, float32(-1 * s1), float32(0.5 * s1), float32(4 * s1)}
	wantB := []float32{(0.5-1)*1 + 0.25, float32((-1+2)*s1 + 1)}
	for i := range wantW {
		if fw[i] != wantW[i] {
			t.Errorf("weight %d = %v, want %v", i, fw[i], wantW[i])
		}
	}
	for i := range wantB {
		if fb[i] != wantB[i] {
			t.Errorf("bias %d = %v, want %v", i, fb[i], wantB[i])
		}
	}
	if w[3] != -1 || b[1] != -1 {
		t.Error("inputs were modified")
	}
	// Without a conv bias, the bias is beta - mean*s.
	_, fb, err = fold.IntoConv(w, nil, bn)
	if err != nil {
		t.Fatal(err)
	}
	if want := float32(1 - (-2)*s1); fb[1] != want {
		t.Errorf("bias without conv bias = %v, want %v", fb[1], want)
	}
}

// Affine is the BatchNorm as a per-channel map, and nn.ScaleShift applies
// it.
func TestAffine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	c := 13
	bn := randomBN(r, c)
	scale, shift, err := fold.Affine(bn)
	if err != nil {
		t.Fatal(err)
	}
	x := randIn(r, 7*c, -3, 3)
	y := make([]float32, len(x))
	if err := nn.ScaleShift(y, x, c, scale, shift, false); err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		ch := i % c
		want := (float64(v)-float64(bn.Mean[ch]))/math.Sqrt(float64(bn.Var[ch])+bn.Eps)*float64(bn.Gamma[ch]) + float64(bn.Beta[ch])
		if math.Abs(float64(y[i])-want) > 1e-6*(1+math.Abs(want)) {
			t.Fatalf("element %d: %v, want %v", i, y[i], want)
		}
	}
}

func TestErrors(t *testing.T) {
	good := func() fold.BatchNorm {
		return fold.BatchNorm{Gamma: []float32{1, 1}, Beta: []float32{0, 0}, Mean: []float32{0, 0}, Var: []float32{1, 1}, Eps: 1e-5}
	}
	mods := map[string]func(*fold.BatchNorm){
		"empty":        func(b *fold.BatchNorm) { *b = fold.BatchNorm{} },
		"short beta":   func(b *fold.BatchNorm) { b.Beta = b.Beta[:1] },
		"short var":    func(b *fold.BatchNorm) { b.Var = b.Var[:1] },
		"long mean":    func(b *fold.BatchNorm) { b.Mean = append(b.Mean, 0) },
		"negative var": func(b *fold.BatchNorm) { b.Var[1] = -1 },
		"zero var and eps": func(b *fold.BatchNorm) {
			b.Var[0], b.Eps = 0, 0
		},
		"NaN gamma":    func(b *fold.BatchNorm) { b.Gamma[0] = float32(math.NaN()) },
		"Inf mean":     func(b *fold.BatchNorm) { b.Mean[1] = float32(math.Inf(1)) },
		"negative eps": func(b *fold.BatchNorm) { b.Eps = -1 },
	}
	for name, mod := range mods {
		bn := good()
		mod(&bn)
		if _, _, err := fold.IntoConv([]float32{1, 2}, nil, bn); !errors.Is(err, fold.ErrInvalid) {
			t.Errorf("%s: IntoConv error = %v, want ErrInvalid", name, err)
		}
		if _, _, err := fold.Affine(bn); !errors.Is(err, fold.ErrInvalid) {
			t.Errorf("%s: Affine error = %v, want ErrInvalid", name, err)
		}
	}
	if _, _, err := fold.IntoConv([]float32{1, 2, 3}, nil, good()); !errors.Is(err, fold.ErrInvalid) {
		t.Errorf("weights not a multiple of channels: %v", err)
	}
	if _, _, err := fold.IntoConv([]float32{1, 2}, []float32{1}, good()); !errors.Is(err, fold.ErrInvalid) {
		t.Errorf("short bias: %v", err)
	}
	huge := good()
	huge.Var[0], huge.Eps, huge.Gamma[0] = 0, 1e-40, 1e30
	if _, _, err := fold.IntoConv([]float32{1e30, 2}, nil, huge); !errors.Is(err, fold.ErrInvalid) {
		t.Errorf("overflow: %v", err)
	}
}
