package resnet

import (
	"errors"
	"strings"
	"testing"
)

// Parameter and MAC counts of torchvision's models, measured with PyTorch
// (conv and linear MACs from forward hooks, at 224x224 and 67x45).
var torchvisionCounts = []struct {
	name      string
	arch      Arch
	params    int64
	macs224   int64
	macs67x45 int64
}{
	{"resnet18", ResNet18(), 11689512, 1814073344, 148050560},
	{"resnet34", ResNet34(), 21797672, 3663761408, 294032000},
	{"resnet50", ResNet50(), 25557032, 4089184256, 328893056},
	{"resnet101", ResNet101(), 44549160, 7801405440, 612991616},
	{"resnet152", ResNet152(), 60192808, 11513626624, 890405504},
	{"wide_resnet50_2", WideResNet50_2(), 68883240, 11398021120, 917439104},
	{"resnext50_32x4d", ResNeXt50_32x4d(), 25028904, 4230479872, 336333440},
}

func TestCountsMatchTorchvision(t *testing.T) {
	for _, c := range torchvisionCounts {
		if got := c.arch.String(); got != c.name {
			t.Errorf("String() = %q, want %q", got, c.name)
		}
		if got := c.arch.Params(); got != c.params {
			t.Errorf("%s: Params() = %d, want %d", c.name, got, c.params)
		}
		if got := c.arch.MACs(224, 224); got != c.macs224 {
			t.Errorf("%s: MACs(224, 224) = %d, want %d", c.name, got, c.macs224)
		}
		if got := c.arch.MACs(67, 45); got != c.macs67x45 {
			t.Errorf("%s: MACs(67, 45) = %d, want %d", c.name, got, c.macs67x45)
		}
		if got := c.arch.FLOPs(224, 224); got != 2*c.macs224 {
			t.Errorf("%s: FLOPs = %d, want %d", c.name, got, 2*c.macs224)
		}
	}
}

func TestArchValidate(t *testing.T) {
	bad := []struct {
		arch Arch
		want string
	}{
		{Arch{}, "block kind"},
		{Arch{Block: Basic}, "0 stages"},
		{Arch{Block: Basic, Layers: []int{2, 0}}, "stage 2 has 0 blocks"},
		{Arch{Block: Basic, Layers: []int{1}, Groups: 2}, "basic blocks need"},
		{Arch{Block: Bottleneck, Layers: []int{1}, Width: 4, WidthPerGroup: 8}, "rounds to zero"},
		{Arch{Block: Bottleneck, Layers: []int{1}, Version: 7}, "version"},
		{Arch{Block: Bottleneck, Layers: []int{1}, Stem: 3}, "stem"},
		{Arch{Block: Bottleneck, Layers: []int{1}, Classes: -1}, "Classes = -1"},
		{Arch{Block: Bottleneck, Layers: []int{1}, Eps: -1}, "Eps"},
		{Arch{Block: Bottleneck, Layers: []int{1, 1, 1, 1, 1, 1}, Width: 4096}, "channels"},
	}
	for _, c := range bad {
		err := c.arch.Validate()
		if !errors.Is(err, ErrArch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Validate() = %v, want ErrArch mentioning %q", c.arch, err, c.want)
		}
		if c.arch.MACs(64, 64) != 0 || c.arch.Params() != 0 {
			t.Errorf("%+v: counts of an invalid arch are not zero", c.arch)
		}
	}
	for _, c := range torchvisionCounts {
		for _, v := range []Version{V1, V1_5, V2} {
			if err := c.arch.WithVersion(v).WithClasses(10).Validate(); err != nil {
				t.Errorf("%s %v: %v", c.name, v, err)
			}
		}
	}
}

func TestArchString(t *testing.T) {
	for _, c := range []struct {
		arch Arch
		want string
	}{
		{ResNet18().WithVersion(V1), "resnet18"},
		{ResNet50().WithVersion(V1), "resnet50-v1"},
		{ResNet34().WithVersion(V2).WithClasses(10), "resnet34-v2 classes=10"},
		{Arch{Block: Basic, Layers: []int{1, 1}, Stem: StemCIFAR, Width: 8, InChannels: 1}, "resnet[basic [1 1]] stem=cifar width=8 in=1"},
	} {
		if got := c.arch.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// The With methods copy Layers, so changing a derived Arch leaves the
// original alone.
func TestWithCopies(t *testing.T) {
	a := ResNet50()
	b := a.WithClasses(10)
	b.Layers[0] = 9
	if a.Layers[0] != 3 {
		t.Fatal("WithClasses shares Layers with its receiver")
	}
}
