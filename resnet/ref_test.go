package resnet

import (
	"fmt"
	"math"
)

// This file is the test's float64 reference forward pass: NCHW, one image
// at a time, naive convolution, BatchNorm applied as BatchNorm. It follows
// torchvision's ResNet code (and, for v2, the layout in the package
// overview) and reads weights by name, independently of the package's own
// network description.

// act is one image's activations, NCHW: d[(c*h+y)*w+x].
type act struct {
	c, h, w int
	d       []float64
}

func newAct(c, h, w int) *act { return &act{c, h, w, make([]float64, c*h*w)} }

func (a *act) at(c, y, x int) float64 { return a.d[(c*a.h+y)*a.w+x] }

type refNet struct {
	arch Arch // with defaults
	w    Weights
}

func (r *refNet) has(key string) bool { _, ok := r.w[key]; return ok }

func (r *refNet) get(key string) Tensor {
	t, ok := r.w[key]
	if !ok {
		panic("reference: missing " + key)
	}
	return t
}

// conv is a naive grouped 2-D convolution, adding NAME.bias if present.
func (r *refNet) conv(x *act, name string, stride, pad, groups int) *act {
	wt := r.get(name + ".weight")
	cout, cinG, kh, kw := wt.Shape[0], wt.Shape[1], wt.Shape[2], wt.Shape[3]
	if cinG*groups != x.c {
		panic(fmt.Sprintf("reference: %s expects %d input channels, got %d", name, cinG*groups, x.c))
	}
	oh := (x.h+2*pad-kh)/stride + 1
	ow := (x.w+2*pad-kw)/stride + 1
	y := newAct(cout, oh, ow)
	coutG := cout / groups
	for o := 0; o < cout; o++ {
		g := o / coutG
		var b float64
		if r.has(name + ".bias") {
			b = float64(r.get(name + ".bias").Data[o])
		}
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s := b
				for ci := 0; ci < cinG; ci++ {
					for ky := 0; ky < kh; ky++ {
						iy := oy*stride - pad + ky
						if iy < 0 || iy >= x.h {
							continue
						}
						for kx := 0; kx < kw; kx++ {
							ix := ox*stride - pad + kx
							if ix < 0 || ix >= x.w {
								continue
							}
							wv := float64(wt.Data[((o*cinG+ci)*kh+ky)*kw+kx])
							s += wv * x.at(g*cinG+ci, iy, ix)
						}
					}
				}
				y.d[(o*oh+oy)*ow+ox] = s
			}
		}
	}
	return y
}

// bn applies BatchNorm NAME in inference mode if its weights are present
// (they are absent where an exporter fused them into the convolution).
func (r *refNet) bn(x *act, name string) *act {
	if !r.has(name + ".running_var") {
		return x
	}
	g, b := r.get(name+".weight").Data, r.get(name+".bias").Data
	m, v := r.get(name+".running_mean").Data, r.get(name+".running_var").Data
	y := newAct(x.c, x.h, x.w)
	hw := x.h * x.w
	for c := 0; c < x.c; c++ {
		inv := 1 / math.Sqrt(float64(v[c])+r.arch.Eps)
		for i := 0; i < hw; i++ {
			y.d[c*hw+i] = (x.d[c*hw+i]-float64(m[c]))*inv*float64(g[c]) + float64(b[c])
		}
	}
	return y
}

func relu(x *act) *act {
	y := newAct(x.c, x.h, x.w)
	for i, v := range x.d {
		y.d[i] = math.Max(v, 0)
	}
	return y
}

func add(x, y *act) *act {
	z := newAct(x.c, x.h, x.w)
	for i := range x.d {
		z.d[i] = x.d[i] + y.d[i]
	}
	return z
}

// maxPool is 3x3, stride 2, padding 1 (padding never wins).
func maxPool(x *act) *act {
	oh, ow := (x.h-1)/2+1, (x.w-1)/2+1
	y := newAct(x.c, oh, ow)
	for c := 0; c < x.c; c++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				m := math.Inf(-1)
				for ky := -1; ky <= 1; ky++ {
					for kx := -1; kx <= 1; kx++ {
						iy, ix := 2*oy+ky, 2*ox+kx
						if iy >= 0 && iy < x.h && ix >= 0 && ix < x.w {
							m = math.Max(m, x.at(c, iy, ix))
						}
					}
				}
				y.d[(c*oh+oy)*ow+ox] = m
			}
		}
	}
	return y
}

// block is one residual block of the given planes and stride.
func (r *refNet) block(x *act, name string, planes, stride int) *act {
	a := r.arch
	exp := 1
	if a.Block == Bottleneck {
		exp = 4
	}
	project := stride != 1 || x.c != planes*exp
	if a.Version == V2 {
		p := relu(r.bn(x, name+".bn1"))
		sc := x
		if project {
			sc = r.conv(p, name+".downsample.0", stride, 0, 1)
		}
		var out *act
		if a.Block == Basic {
			out = r.conv(p, name+".conv1", stride, 1, 1)
			out = r.conv(relu(r.bn(out, name+".bn2")), name+".conv2", 1, 1, 1)
		} else {
			out = r.conv(p, name+".conv1", 1, 0, 1)
			out = r.conv(relu(r.bn(out, name+".bn2")), name+".conv2", stride, 1, a.Groups)
			out = r.conv(relu(r.bn(out, name+".bn3")), name+".conv3", 1, 0, 1)
		}
		return add(out, sc)
	}
	sc := x
	if project {
		sc = r.bn(r.conv(x, name+".downsample.0", stride, 0, 1), name+".downsample.1")
	}
	var out *act
	if a.Block == Basic {
		out = relu(r.bn(r.conv(x, name+".conv1", stride, 1, 1), name+".bn1"))
		out = r.bn(r.conv(out, name+".conv2", 1, 1, 1), name+".bn2")
	} else {
		s1, s2 := 1, stride // v1.5: stride in the 3x3
		if a.Version == V1 {
			s1, s2 = stride, 1
		}
		out = relu(r.bn(r.conv(x, name+".conv1", s1, 0, 1), name+".bn1"))
		out = relu(r.bn(r.conv(out, name+".conv2", s2, 1, a.Groups), name+".bn2"))
		out = r.bn(r.conv(out, name+".conv3", 1, 0, 1), name+".bn3")
	}
	return relu(add(out, sc))
}

// forward runs one image (C x H x W, NCHW) and returns its logits.
func (r *refNet) forward(img []float32, h, w int) []float64 {
	a := r.arch
	x := newAct(a.InChannels, h, w)
	for i, v := range img {
		x.d[i] = float64(v)
	}
	if a.Stem == StemImageNet {
		x = r.conv(x, "conv1", 2, 3, 1)
	} else {
		x = r.conv(x, "conv1", 1, 1, 1)
	}
	x = relu(r.bn(x, "bn1"))
	if a.Stem == StemImageNet {
		x = maxPool(x)
	}
	for s, n := range a.Layers {
		for b := 0; b < n; b++ {
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			x = r.block(x, fmt.Sprintf("layer%d.%d", s+1, b), a.Width<<s, stride)
		}
	}
	if a.Version == V2 {
		x = relu(r.bn(x, "bn_final"))
	}
	fw, fb := r.get("fc.weight"), r.get("fc.bias")
	hw := x.h * x.w
	out := make([]float64, fw.Shape[0])
	for o := range out {
		s := float64(fb.Data[o])
		for c := 0; c < x.c; c++ {
			var m float64
			for i := 0; i < hw; i++ {
				m += x.d[c*hw+i]
			}
			s += float64(fw.Data[o*x.c+c]) * m / float64(hw)
		}
		out[o] = s
	}
	return out
}

// refForward runs a batch of NCHW images through the reference.
func refForward(a Arch, w Weights, src []float32, batch, h, wd int) []float64 {
	r := &refNet{arch: a.withDefaults(), w: w}
	per := r.arch.InChannels * h * wd
	var out []float64
	for i := 0; i < batch; i++ {
		out = append(out, r.forward(src[i*per:(i+1)*per], h, wd)...)
	}
	return out
}
