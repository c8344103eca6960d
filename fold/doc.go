// Package fold turns inference-mode BatchNorm layers into cheaper
// arithmetic. A BatchNorm with per-channel gamma, beta, running mean and
// running variance computes
//
//	y = (x - mean) / sqrt(var + eps) * gamma + beta = x*s + (beta - mean*s),  s = gamma / sqrt(var + eps)
//
// When it directly follows a convolution, [IntoConv] folds it into the
// convolution's weights and bias: w' = w*s (per output channel) and
// b' = (b - mean)*s + beta. When it cannot be folded (the pre-activation
// BatchNorm of a ResNet v2 block, which sits after a residual addition),
// [Affine] gives the per-channel scale s and shift beta - mean*s to apply to
// the activations (see nn.ScaleShift).
//
// # Rounding
//
// s, w' and b' are computed in float64 from the float32 inputs and rounded
// to float32 once, so each stored value is the correctly rounded result of
// its formula (up to float64's own rounding, 2^-53 relative, far below
// float32's 2^-24).
//
// Folding is exact in real arithmetic but not in float32: the unfolded
// network rounds conv(x) to float32 and then rounds each BatchNorm step,
// while the folded one rounds each product w'*x, whose factor w' already
// carries a rounding error of up to 2^-24 relative. The two results
// therefore differ by a few units in the last place of each product, summed
// over the K terms of the convolution: the same order as the convolution's
// own accumulation error, typically 1e-7 to 1e-6 relative. Where s is a
// power of two (gamma = sqrt(var + eps) times a power of two), w*s is exact
// and the products are the unfolded ones scaled exactly; only the bias and
// the BatchNorm's own roundings after the sum (which the folded form does
// not have) can differ.
//
// A channel with a very small var + eps and a large gamma gives a large s;
// the folded weights are then large too, which float32 represents with the
// same relative precision, so folding stays accurate unless w*s overflows
// float32 (IntoConv reports that as an error).
package fold
