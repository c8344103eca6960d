package im2col

import (
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/internal/leveltest"
	"github.com/gorn-ml/gorn/kernels"
)

// withMoves runs f with the moves of every kernels level this CPU runs,
// as subtests named impl=NAME (those it cannot run are skipped), restoring
// the level afterwards.
func withMoves(t *testing.T, f func(t *testing.T)) {
	saved := level
	defer func() { level = saved }()
	for _, im := range kernels.Impls() {
		t.Run("impl="+im.Name(), func(t *testing.T) {
			leveltest.SkipUnavailable(t, im)
			level = im
			f(t)
		})
	}
}

// copyRows and scatter3 move exactly what they should, at every row
// length from 1 to 80 (every tail of the 32- and 8-float loops), and write
// nothing else: the gaps between rows and guard bands around dst stay NaN.
func TestMoves(t *testing.T) {
	withMoves(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		const guard = 40
		for n := 1; n <= 80; n++ {
			count := 1 + r.IntN(6)
			ldd := n + r.IntN(5)
			step := 1 + r.IntN(n+3) // source rows may overlap: they are only read
			src := make([]float32, (count-1)*step+n)
			for i := range src {
				src[i] = float32(i + 1)
			}
			whole := nans(2*guard + (count-1)*ldd + n)
			dst := whole[guard : len(whole)-guard]
			copyRows(dst, ldd, src, step, n, count)
			for i, v := range whole {
				j := i - guard
				row, col := j/ldd, j%ldd
				if j >= 0 && j < len(dst) && col < n {
					if want := src[row*step+col]; v != want {
						t.Fatalf("n=%d count=%d ldd=%d step=%d: dst[%d][%d] = %v, want %v", n, count, ldd, step, row, col, v, want)
					}
				} else if v == v {
					t.Fatalf("n=%d count=%d ldd=%d step=%d: element %d outside the rows written", n, count, ldd, step, j)
				}
			}
		}
		for count := 1; count <= 40; count++ {
			stride := 3 + r.IntN(30)
			src := make([]float32, 3*count)
			for i := range src {
				src[i] = float32(i + 1)
			}
			whole := nans(2*guard + (count-1)*stride + 3)
			dst := whole[guard : len(whole)-guard]
			scatter3(dst, stride, src, count)
			for i, v := range whole {
				j := i - guard
				g, c := j/stride, j%stride
				if j >= 0 && j < len(dst) && c < 3 {
					if want := src[3*g+c]; v != want {
						t.Fatalf("count=%d stride=%d: group %d float %d = %v, want %v", count, stride, g, c, v, want)
					}
				} else if v == v {
					t.Fatalf("count=%d stride=%d: element %d outside the groups written", count, stride, j)
				}
			}
		}
	})
}

// The whole extraction gives the same A with the assembly moves and the
// Go ones.
func TestMovesRowsExact(t *testing.T) {
	withMoves(t, func(t *testing.T) {
		TestGroupRowsExact(t)
		TestStackedRowsExact(t)
		TestStackedRowExact(t)
	})
}

// Every level GORN_REQUIRE_LEVEL names is compiled in and available.
func TestRequiredLevels(t *testing.T) {
	var levels []leveltest.Level
	for _, im := range kernels.Impls() {
		levels = append(levels, im)
	}
	leveltest.CheckRequired(t, levels)
}
