// Package testutil holds what the tests of several gorn packages share.
package testutil

import "math"

// RelL2 is ||got - want|| / ||want|| in the Euclidean norm: the relative
// error of a float32 (or float64) result against its float64 reference.
// An all-zero want gives NaN or +Inf, which fails any tolerance check.
func RelL2[T float32 | float64](got []T, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	return math.Sqrt(num / den)
}
