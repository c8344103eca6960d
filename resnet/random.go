package resnet

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Random returns deterministic synthetic weights for a: the same arch and
// seed give the same values on every platform. Convolution and fully
// connected weights are uniform with He scaling (variance 2/fan-in and
// 1/fan-in); BatchNorms get non-trivial statistics (running variance in
// [0.5, 1.5), mean and shift in [-0.2, 0.2), scale in [0.5, 1.5), smaller
// next to a block's last convolution so deep networks stay in range).
// Convolutions have no bias, as in torchvision. The weights suit
// benchmarks, examples and tests; they classify nothing.
//
// ResNet-50's weights take 100 MB; [NewRandom] builds the same model
// without holding them all at once.
func Random(a Arch, seed uint64) (Weights, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	g := &generator{seed: seed}
	w := make(Weights)
	for _, s := range a.build().specs() {
		if s.kind == convBias {
			continue
		}
		w[s.key] = g.tensor(&s, nil)
	}
	return w, nil
}

// generator makes Random's tensors one at a time, each from its own stream
// (seeded by the seed and the key), so any subset can be made in any order.
type generator struct {
	seed  uint64
	specs map[string]*spec
	buf   []float32 // reused by get for weight matrices
}

// tensor returns the values of s in buf (grown if needed) or a new slice.
func (g *generator) tensor(s *spec, buf []float32) Tensor {
	h := fnv.New64a()
	h.Write([]byte(s.key))
	r := rand.New(rand.NewPCG(g.seed, h.Sum64()))
	n := s.size()
	if cap(buf) < n {
		buf = make([]float32, n)
	}
	d := buf[:n]
	uniform := func(lo, hi float64) {
		for i := range d {
			u := float64(r.Uint64()>>40) / (1 << 24)
			d[i] = float32(lo + (hi-lo)*u)
		}
	}
	switch s.kind {
	case convWeight:
		b := math.Sqrt(6 / float64(s.fanIn))
		uniform(-b, b)
	case fcWeight:
		b := math.Sqrt(3 / float64(s.fanIn))
		uniform(-b, b)
	case bnWeight:
		if s.damp {
			uniform(0.2, 0.6)
		} else {
			uniform(0.5, 1.5)
		}
	case bnVar:
		uniform(0.5, 1.5)
	case fcBias:
		uniform(-0.1, 0.1)
	default: // conv and BN biases, BN means
		uniform(-0.2, 0.2)
	}
	return Tensor{Shape: append([]int(nil), s.shape...), Data: d}
}

// Keys, Shape and Float32s make the generator a WeightSource for
// [NewRandom]: every key but conv biases exists. A convolution or fc weight
// lives in a buffer that the next such call reuses (the model builder
// finishes with one before it asks for the next), so building a model this
// way makes little garbage; other tensors are new slices.
func (g *generator) Keys() []string {
	keys := make([]string, 0, len(g.specs))
	for k, s := range g.specs {
		if s.kind != convBias {
			keys = append(keys, k)
		}
	}
	return keys
}

func (g *generator) Shape(key string) ([]int, bool) {
	s, ok := g.specs[key]
	if !ok || s.kind == convBias {
		return nil, false
	}
	return s.shape, true
}

func (g *generator) Float32s(key string) ([]float32, error) {
	s, ok := g.specs[key]
	if !ok || s.kind == convBias {
		return nil, weightsErr("missing %s", key)
	}
	if s.kind != convWeight && s.kind != fcWeight {
		return g.tensor(s, nil).Data, nil
	}
	t := g.tensor(s, g.buf)
	if cap(t.Data) > cap(g.buf) {
		g.buf = t.Data
	}
	return t.Data, nil
}

func newGenerator(n *netDef, seed uint64) *generator {
	g := &generator{seed: seed, specs: make(map[string]*spec)}
	specs := n.specs()
	for i := range specs {
		g.specs[specs[i].key] = &specs[i]
	}
	return g
}
