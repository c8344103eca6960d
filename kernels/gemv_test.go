package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemvMatchesGemm: SgemvPacked gives the bits of SgemmPacked with
// m = 1 on every level (a batch of one image must not depend on which path
// ran), and agrees with the float64 reference; shapes around NR, four
// panels, KC and the fc layer's 2048 x 1000.
func TestSgemvMatchesGemm(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(9, 1))
		kc := kcFor(im)
		ns := []int{1, im.nr - 1, im.nr, im.nr + 1, 4*im.nr - 1, 4 * im.nr, 4*im.nr + 1, 9*im.nr + 3, 1000}
		ks := []int{1, 3, kc - 1, kc + 1, 2*kc + 3, 2048}
		for _, n := range ns {
			for _, k := range ks {
				big := n*k > 300000
				if testing.Short() && big && !(n == 1000 && k == 2048) {
					continue
				}
				for e := 0; e < 8; e++ {
					if testing.Short() && big && e != 7 {
						continue
					}
					gemvCase(t, im, r, n, k, e&1 != 0, e&2 != 0, e&4 != 0)
				}
			}
		}
	})
}

func gemvCase(t *testing.T, im *Impl, r *rand.Rand, n, k int, bias, acc, relu bool) {
	t.Helper()
	name := fmt.Sprintf("n=%d/k=%d/bias=%v/acc=%v/relu=%v", n, k, bias, acc, relu)
	a, aw := randMatrix(r, 1, k, k)
	if n%3 == 0 { // zero products: the sign of zero sums must agree too
		for i := range a {
			a[i] = 0
		}
	}
	b, _ := randMatrix(r, k, n, n)
	pb, err := im.PackB(k, n, b, n)
	if err != nil {
		t.Fatal(err)
	}
	ep := Epilogue{Accumulate: acc, ReLU: relu}
	if bias {
		ep.Bias, _ = randMatrix(r, 1, n, n)
	}
	c0, _ := randMatrix(r, 1, n, n)
	got, gw := guarded(n)
	copy(got, c0)
	want := append([]float32(nil), c0...)
	if err := SgemvPacked(a, pb, got, ep); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := SgemmPacked(1, a, k, pb, want, n, ep, nil); err != nil {
		t.Fatal(err)
	}
	for j := range want {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
			t.Fatalf("%s: c[%d] = %v (%#x), SgemmPacked gives %v (%#x)", name, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
		}
	}
	ref, mag := refGemm(1, n, k, a, k, b, n, c0, n, ep)
	checkResult(t, 1, n, k, got, n, ref, mag, c0)
	checkGuards(t, "a", aw)
	checkGuards(t, "c", gw)
}

func TestSgemvBadArguments(t *testing.T) {
	pb, err := PackB(5, 4, make([]float32, 20), 4)
	if err != nil {
		t.Fatal(err)
	}
	a, c := make([]float32, 5), make([]float32, 4)
	for name, err := range map[string]error{
		"nil packed": SgemvPacked(a, nil, c, Epilogue{}),
		"short a":    SgemvPacked(a[:4], pb, c, Epilogue{}),
		"short c":    SgemvPacked(a, pb, c[:3], Epilogue{}),
		"short bias": SgemvPacked(a, pb, c, Epilogue{Bias: make([]float32, 3)}),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: got %v, want ErrShape", name, err)
		}
	}
}
