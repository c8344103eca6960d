package eval

import (
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// geom is the geometry of a 2-D sliding window: output size, stride,
// dilation and the padding before each axis (pb for the padding after, as
// the count_include_pad divisor needs it).
type geom struct {
	oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr int
}

const maxAttr = 1<<31 - 1

// pair reads a 2-entry ints attribute, each in [lo, maxAttr].
func (c *ctx) pair(name string, n, lo int, def int) ([]int, error) {
	raw, err := c.n.Ints(name, nil)
	if err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i := range out {
		out[i] = def
	}
	if raw == nil {
		return out, nil
	}
	if len(raw) != n {
		return nil, c.n.Errorf("eval: %s %v, want %d entries", name, raw, n)
	}
	for i, v := range raw {
		if v < int64(lo) || v > maxAttr {
			return nil, c.n.Errorf("eval: %s %v out of range", name, raw)
		}
		out[i] = int(v)
	}
	return out, nil
}

// window2d works out the geometry of a window of kh x kw over h x w from
// n's strides, dilations, pads, auto_pad and (pools) ceil_mode.
func (c *ctx) window2d(h, w, kh, kw int) (geom, error) {
	g := geom{kh: kh, kw: kw}
	s, err := c.pair("strides", 2, 1, 1)
	if err != nil {
		return g, err
	}
	d, err := c.pair("dilations", 2, 1, 1)
	if err != nil {
		return g, err
	}
	p, err := c.pair("pads", 4, 0, 0)
	if err != nil {
		return g, err
	}
	ceil, err := c.n.Int("ceil_mode", 0)
	if err != nil {
		return g, err
	}
	auto, err := c.n.Str("auto_pad", "NOTSET")
	if err != nil {
		return g, err
	}
	g.sh, g.sw, g.dh, g.dw = s[0], s[1], d[0], d[1]
	in, k := [2]int{h, w}, [2]int{kh, kw}
	var out [2]int
	for a := range 2 {
		ek := (k[a]-1)*d[a] + 1
		switch auto {
		case "SAME_UPPER", "SAME_LOWER":
			out[a] = (in[a] + s[a] - 1) / s[a]
			total := max(0, (out[a]-1)*s[a]+ek-in[a])
			small := total / 2
			if auto == "SAME_UPPER" {
				p[a], p[a+2] = small, total-small
			} else {
				p[a], p[a+2] = total-small, small
			}
			continue
		case "VALID":
			p[a], p[a+2] = 0, 0
		case "NOTSET", "":
		default:
			return g, c.n.Unsupportedf("eval: auto_pad %q", auto)
		}
		span := in[a] + p[a] + p[a+2] - ek
		if span < 0 {
			return g, c.n.Errorf("eval: window %d larger than padded input %d", ek, in[a]+p[a]+p[a+2])
		}
		if ceil == 0 {
			out[a] = span/s[a] + 1
		} else {
			out[a] = int(math.Ceil(float64(span)/float64(s[a]))) + 1
			if (out[a]-1)*s[a] >= in[a]+p[a] { // last window would start in the end padding
				out[a]--
			}
		}
	}
	g.oh, g.ow, g.pt, g.pl, g.pb, g.pr = out[0], out[1], p[0], p[1], p[2], p[3]
	return g, nil
}

// nchw checks that t is a Float32 4-D tensor.
func (c *ctx) nchw(t *Tensor, what string) error {
	if t.DType != graph.Float32 || len(t.Shape) != 4 {
		return c.n.Unsupportedf("eval: %s is %v %v (supported: float32 NCHW)", what, t.DType, t.Shape)
	}
	return nil
}

// activate applies gorn's fused "activation" attribute.
func (c *ctx) activation() (func(float64) float64, error) {
	act, err := c.n.Str("activation", "")
	if err != nil {
		return nil, err
	}
	switch act {
	case "":
		return func(v float64) float64 { return v }, nil
	case "relu":
		return func(v float64) float64 { return max(v, 0) }, nil
	case "clip":
		lo, err := c.float("min", float32(math.Inf(-1)))
		if err != nil {
			return nil, err
		}
		hi, err := c.float("max", float32(math.Inf(1)))
		if err != nil {
			return nil, err
		}
		return func(v float64) float64 { return min(max(v, lo), hi) }, nil
	}
	return nil, c.n.Unsupportedf("eval: activation %q", act)
}

// conv is Conv and gorn.Conv (X, W, B, Residual) in 2-D.
func conv(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, w, err := c.need2(in, graph.Float32, graph.Float32)
	if err != nil {
		return nil, err
	}
	if err := c.nchw(x, "X"); err != nil {
		return nil, err
	}
	if err := c.nchw(w, "W"); err != nil {
		return nil, err
	}
	n, ci, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m, cg, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	if ks, _ := c.n.Ints("kernel_shape", nil); ks != nil && (len(ks) != 2 || ks[0] != int64(kh) || ks[1] != int64(kw)) {
		return nil, c.n.Errorf("eval: kernel_shape %v, weight %v", ks, w.Shape)
	}
	group, err := c.n.Int("group", 1)
	if err != nil {
		return nil, err
	}
	if group < 1 || int64(ci)%group != 0 || int64(m)%group != 0 || int64(cg)*group != int64(ci) {
		return nil, c.n.Errorf("eval: group %d, input %v, weight %v", group, x.Shape, w.Shape)
	}
	var b, res *Tensor
	if len(in) > 2 && in[2] != nil {
		if b = in[2]; b.DType != graph.Float32 || len(b.Shape) != 1 || b.Shape[0] != m {
			return nil, c.n.Errorf("eval: bias %v, want [%d]", b.Shape, m)
		}
	}
	if len(in) > 3 {
		res = in[3]
	}
	act, err := c.activation()
	if err != nil {
		return nil, err
	}
	g, err := c.window2d(h, wd, kh, kw)
	if err != nil {
		return nil, err
	}
	out := []int{n, m, g.oh, g.ow}
	if res != nil && (res.DType != graph.Float32 || graph.NumElements(res.Shape) != graph.NumElements(out) || len(res.Shape) != 4) {
		return nil, c.n.Errorf("eval: residual %v, want %v", res.Shape, out)
	}
	if err := c.work(n, m, g.oh, g.ow, cg, kh, kw); err != nil {
		return nil, err
	}
	y, err := c.alloc(graph.Float32, out)
	if err != nil {
		return nil, err
	}
	convLoop(x, w, y, g, int(group))
	for i := range y.F {
		if b != nil {
			y.F[i] += b.F[i/(g.oh*g.ow)%m]
		}
		if res != nil {
			y.F[i] += res.F[i]
		}
		y.F[i] = act(y.F[i])
	}
	return []*Tensor{y}, nil
}

// convLoop writes into y the sums of the convolution of x with w: every
// output element, every tap of its window inside the input (taps in the
// padding add zero).
func convLoop(x, w, y *Tensor, g geom, group int) {
	n, ci, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m, cg := w.Shape[0], w.Shape[1]
	mg := m / group
	i := 0
	for b0 := range n {
		for oc := range m {
			first := (oc / mg) * cg // the group's first input channel
			for oy := range g.oh {
				for ox := range g.ow {
					sum := 0.0
					for k := range cg {
						for ky := range g.kh {
							iy := oy*g.sh - g.pt + ky*g.dh
							for kx := range g.kw {
								ix := ox*g.sw - g.pl + kx*g.dw
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								xv := x.F[((b0*ci+first+k)*h+iy)*wd+ix]
								sum += xv * w.F[((oc*cg+k)*g.kh+ky)*g.kw+kx]
							}
						}
					}
					y.F[i] = sum
					i++
				}
			}
		}
	}
}

// pool is MaxPool and AveragePool in 2-D.
func pool(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Float32)
	if err != nil {
		return nil, err
	}
	if err := c.nchw(x, "X"); err != nil {
		return nil, err
	}
	ks, err := c.pair("kernel_shape", 2, 1, 0)
	if err != nil {
		return nil, err
	}
	if ks[0] == 0 {
		return nil, c.n.Errorf("eval: kernel_shape is missing")
	}
	incl, err := c.n.Int("count_include_pad", 0)
	if err != nil {
		return nil, err
	}
	n, ch, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	g, err := c.window2d(h, wd, ks[0], ks[1])
	if err != nil {
		return nil, err
	}
	if err := c.work(n, ch, g.oh, g.ow, g.kh, g.kw); err != nil {
		return nil, err
	}
	y, err := c.alloc(graph.Float32, []int{n, ch, g.oh, g.ow})
	if err != nil {
		return nil, err
	}
	isMax := c.n.Op == "MaxPool"
	idxs, err := c.alloc(graph.Int64, y.Shape) // MaxPool's Indices: flat NCHW offsets
	if err != nil {
		return nil, err
	}
	i := 0
	for p := range n * ch {
		for oy := range g.oh {
			for ox := range g.ow {
				best, arg, sum, valid, padded := math.Inf(-1), -1, 0.0, 0, 0
				for ky := range g.kh {
					iy := oy*g.sh - g.pt + ky*g.dh
					for kx := range g.kw {
						ix := ox*g.sw - g.pl + kx*g.dw
						if iy >= -g.pt && iy < h+g.pb && ix >= -g.pl && ix < wd+g.pr {
							padded++
						}
						if iy < 0 || iy >= h || ix < 0 || ix >= wd {
							continue
						}
						v := x.F[(p*h+iy)*wd+ix]
						if arg < 0 || v > best {
							best, arg = v, (p*h+iy)*wd+ix
						}
						sum += v
						valid++
					}
				}
				switch {
				case isMax:
					y.F[i], idxs.I[i] = best, int64(arg)
				case incl != 0:
					y.F[i] = sum / float64(padded)
				default:
					y.F[i] = sum / float64(valid)
				}
				i++
			}
		}
	}
	return []*Tensor{y, idxs}, nil
}
