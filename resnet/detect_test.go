package resnet

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

// shapeSource is a WeightSource with shapes and no data.
type shapeSource map[string][]int

func (s shapeSource) Keys() []string                     { return slices.Collect(maps.Keys(s)) }
func (s shapeSource) Shape(key string) ([]int, bool)     { v, ok := s[key]; return v, ok }
func (s shapeSource) Float32s(string) ([]float32, error) { return nil, errors.New("shapes only") }

// shapesOf lists the tensors torchvision's state dict of a has: every spec
// but the convolution biases.
func shapesOf(a Arch) shapeSource {
	s := shapeSource{}
	for _, sp := range a.build().specs() {
		if sp.kind != convBias {
			s[sp.key] = sp.shape
		}
	}
	return s
}

// fused turns s into the tensors of an exporter that fused every BatchNorm
// that follows a convolution into a convolution bias.
func (s shapeSource) fused(a Arch) shapeSource {
	f := maps.Clone(s)
	n := a.build()
	n.convs(64, 64, func(c *convDef, _, _ int) {
		if c.bn == "" {
			return
		}
		for _, suf := range bnSuffixes {
			delete(f, c.bn+suf)
		}
		f[c.name+".bias"] = []int{c.cout}
	})
	return f
}

func TestArchFromShapes(t *testing.T) {
	named := []Arch{ResNet18(), ResNet34(), ResNet50(), ResNet101(), ResNet152(), WideResNet50_2(), ResNeXt50_32x4d(),
		{Block: Bottleneck, Layers: []int{3, 4, 23, 3}, WidthPerGroup: 128},           // wide_resnet101_2
		{Block: Bottleneck, Layers: []int{3, 4, 23, 3}, Groups: 32, WidthPerGroup: 8}} // resnext101_32x8d
	var archs []Arch
	for _, a := range named {
		archs = append(archs, a, a.WithVersion(V2), a.WithClasses(10), a.WithWidth(16).WithClasses(7))
		c := a.WithWidth(32)
		c.Stem, c.InChannels = StemCIFAR, 1
		archs = append(archs, c)
	}
	// The PyTorch fixtures' shapes (testdata/README.md), and odd ones.
	archs = append(archs,
		Arch{Block: Bottleneck, Layers: []int{1, 1, 1, 1}, Width: 4, Groups: 4, WidthPerGroup: 32, Classes: 10},
		Arch{Block: Bottleneck, Layers: []int{1, 1, 1, 1}, Width: 4, WidthPerGroup: 128, Classes: 10},
		Arch{Block: Bottleneck, Layers: []int{1, 1, 1, 1}, Width: 4, Version: V2, Classes: 5},
		Arch{Block: Basic, Layers: []int{1, 2}, Width: 8, Classes: 2},
		Arch{Block: Bottleneck, Layers: []int{2, 1, 1}, Width: 8, Groups: 2, WidthPerGroup: 40, Classes: 3},
		Arch{Block: Basic, Layers: []int{1, 1, 1, 1, 1}, Width: 8, Classes: 1})
	for _, a := range archs {
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		want := a.withDefaults()
		for name, src := range map[string]shapeSource{"bn": shapesOf(a), "fused": shapesOf(a).fused(a)} {
			got, err := ArchFromShapes(src)
			if err != nil {
				t.Errorf("%v (%s): %v", a, name, err)
				continue
			}
			// The width per group may differ where torchvision's rounding
			// makes several give the same network.
			if a.Block == Bottleneck && got.WidthPerGroup != want.WidthPerGroup {
				if !slices.EqualFunc(got.build().specs(), want.build().specs(), specEqual) {
					t.Errorf("%v (%s): width per group %d gives different shapes than %d", a, name, got.WidthPerGroup, want.WidthPerGroup)
				}
				got.WidthPerGroup = want.WidthPerGroup
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
				t.Errorf("%s: ArchFromShapes\n got %+v\nwant %+v", name, got, want)
			}
		}
	}
	// V1 and V1_5 have the same shapes: the result is V1_5.
	if got, err := ArchFromShapes(shapesOf(ResNet50().WithVersion(V1))); err != nil || got.Version != V1_5 {
		t.Errorf("resnet50-v1: %v, %v; want v1.5", got.Version, err)
	}
}

func specEqual(a, b spec) bool { return a.key == b.key && slices.Equal(a.shape, b.shape) }

func TestArchFromShapesErrors(t *testing.T) {
	r50 := ResNet50().WithClasses(10)
	edit := func(a Arch, f func(s shapeSource)) shapeSource {
		s := shapesOf(a)
		f(s)
		return s
	}
	for _, c := range []struct {
		name string
		src  shapeSource
		want string
	}{
		{"empty", shapeSource{}, "no conv1.weight"},
		{"5x5 stem", edit(r50, func(s shapeSource) { s["conv1.weight"] = []int{64, 3, 5, 5} }), "conv1.weight has shape [64 3 5 5]"},
		{"huge stem", edit(r50, func(s shapeSource) { s["conv1.weight"] = []int{math.MaxInt / 2, 3, 7, 7} }), "not 1 to 65536 channels"},
		{"huge inner", edit(r50, func(s shapeSource) { s["layer2.0.conv1.weight"] = []int{math.MaxInt / 2, 256, 1, 1} }), "layer2.0.conv1.weight has shape"},
		{"no fc", edit(r50, func(s shapeSource) { delete(s, "fc.weight") }), "fc.weight is missing"},
		{"no blocks", shapeSource{"conv1.weight": {64, 3, 7, 7}, "fc.weight": {10, 64}}, "no layer1.0.conv1.weight"},
		{"wrong conv", edit(r50, func(s shapeSource) { s["layer3.2.conv2.weight"] = []int{256, 256, 1, 1} }),
			"layer3.2.conv2.weight has shape [256 256 1 1], want [256 256 3 3]"},
		{"gap in a stage", edit(ResNet34(), func(s shapeSource) { delete(s, "layer2.1.conv1.weight") }), "unexpected keys"},
		{"fc features", edit(r50, func(s shapeSource) { s["fc.weight"] = []int{10, 512} }), "fc.weight has shape [10 512], want [10 2048]"},
		{"uneven groups", edit(ResNeXt50_32x4d(), func(s shapeSource) { s["layer2.0.conv2.weight"] = []int{256, 7, 3, 3} }),
			"layer2.0.conv2.weight has shape [256 7 3 3]"},
		{"inner width", edit(WideResNet50_2(), func(s shapeSource) {
			s["layer3.0.conv1.weight"] = []int{300, 512, 1, 1}
			s["layer3.0.conv2.weight"] = []int{300, 300, 3, 3}
		}), "layer3.0.conv2.weight: bottleneck inner width 300"},
		{"missing BN", edit(r50, func(s shapeSource) { delete(s, "layer4.0.bn2.running_var") }), "missing layer4.0.bn2.running_var"},
		{"v2 without preact", edit(ResNet18().WithVersion(V2), func(s shapeSource) {
			for _, suf := range bnSuffixes {
				delete(s, "layer1.0.bn1"+suf)
			}
		}), "missing layer1.0.bn1.weight"},
	} {
		a, err := ArchFromShapes(c.src)
		if err == nil {
			t.Errorf("%s: no error, got %v", c.name, a)
			continue
		}
		if !errors.Is(err, ErrArch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant ErrArch and a mention of %q", c.name, err, c.want)
		}
	}
}

// FuzzArchFromShapes edits the shapes of a small network's state dict
// (changing dimensions, dropping and adding tensors): ArchFromShapes must
// return an error or an architecture whose every name and shape the source
// has, never panic.
func FuzzArchFromShapes(f *testing.F) {
	bases := []Arch{ResNet18().WithWidth(8), ResNeXt50_32x4d().WithWidth(16).WithClasses(3),
		Arch{Block: Bottleneck, Layers: []int{1, 1}, Width: 4, Version: V2, WidthPerGroup: 128}}
	f.Add([]byte{0})
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{2, 3, 1, 200, 255, 0, 0})
	f.Fuzz(func(t *testing.T, edits []byte) {
		if len(edits) == 0 {
			return
		}
		a := bases[int(edits[0])%len(bases)]
		src := shapesOf(a)
		keys := src.Keys()
		slices.Sort(keys)
		for e := edits[1:]; len(e) >= 3; e = e[3:] {
			k := keys[int(e[0])%len(keys)]
			switch shape := slices.Clone(src[k]); {
			case e[1] == 255:
				delete(src, k)
			case e[1] == 254:
				src[strings.Replace(k, "layer1", "layer"+fmt.Sprint(e[2]%8+1), 1)] = shape
			case len(shape) > 0:
				v := int(e[2])
				if v >= 250 {
					v = 1 << (v - 190) // 2^60 and up, and -2^63
				}
				shape[int(e[1])%len(shape)] = v - 8
				src[k] = shape
			}
		}
		got, err := ArchFromShapes(src)
		if err != nil {
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("ArchFromShapes gave an invalid %+v: %v", got, err)
		}
		if err := got.build().check(src); err != nil {
			t.Fatalf("ArchFromShapes gave %v, which the shapes do not fit: %v", got, err)
		}
	})
}
