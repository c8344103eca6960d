package resnet

import (
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
)

// testNet is a small network of each architecture family.
type testNet struct {
	name string
	arch Arch
	h, w int
}

func testNets() []testNet {
	small := func(a Arch, width int) Arch { return a.WithWidth(width).WithClasses(10) }
	return []testNet{
		{"resnet18", small(ResNet18(), 8), 40, 36},
		{"resnet34", small(ResNet34(), 4), 32, 32},
		{"resnet50", small(ResNet50(), 4), 36, 44},
		{"resnet50-v1", small(ResNet50().WithVersion(V1), 4), 33, 32},
		{"resnet101", small(ResNet101(), 4), 32, 32},
		{"resnet152", small(ResNet152(), 2), 32, 32},
		{"wide_resnet50_2", small(WideResNet50_2(), 4), 32, 40},
		{"resnext50", func() Arch { a := small(ResNeXt50_32x4d(), 8); a.Groups, a.WidthPerGroup = 4, 32; return a }(), 32, 32},
		{"resnet18-v2", small(ResNet18().WithVersion(V2), 8), 37, 32},
		{"resnet50-v2", small(ResNet50().WithVersion(V2), 4), 32, 32},
		{"resnext-v2", func() Arch {
			a := small(ResNeXt50_32x4d().WithVersion(V2), 8)
			a.Groups, a.WidthPerGroup = 2, 64
			return a
		}(), 32, 32},
		{"cifar-basic", Arch{Block: Basic, Layers: []int{1, 1, 1}, Stem: StemCIFAR, Width: 8, InChannels: 1, Classes: 3}, 12, 10},
		{"cifar-bottleneck-v2", Arch{Block: Bottleneck, Layers: []int{2, 1}, Stem: StemCIFAR, Width: 4, Version: V2, Classes: 5}, 9, 11},
	}
}

// The compiled network (folded, packed, fused, planned) agrees with the
// float64 reference for every architecture at every kernels level.
func TestMatchesReference(t *testing.T) {
	const batch = 3
	for _, tn := range testNets() {
		t.Run(tn.name, func(t *testing.T) {
			w, err := Random(tn.arch, 7)
			if err != nil {
				t.Fatal(err)
			}
			c := tn.arch.withDefaults().InChannels
			src := randInput(1, batch, c, tn.h, tn.w)
			want := refForward(tn.arch, w, src, batch, tn.h, tn.w)
			forEachLevel(t, func(t *testing.T, level string) {
				mbs := []int{1, 2, batch}
				if testing.Short() {
					mbs = mbs[2:]
				}
				for _, mb := range mbs {
					m, err := New(tn.arch, w, &Options{Height: tn.h, Width: tn.w, MaxBatch: mb, Threads: 1, Level: level})
					if err != nil {
						t.Fatal(err)
					}
					got := infer(t, m, src, batch)
					if e := testutil.RelL2(got, want); !(e <= 1e-5) {
						t.Errorf("maxbatch %d: rel L2 error %.3g > 1e-5\ngot  %v\nwant %v", mb, e, got[:5], want[:5])
					} else if mb == batch {
						t.Logf("rel L2 %.3g, workspace %d KiB", e, m.WorkspaceBytes()>>10)
					}
				}
			})
		})
	}
}

// The memory plan reuses buffers: a whole ResNet-50 pass fits in about
// twice its largest activation (the stem's output), where keeping every
// buffer alive would take five to seven times as much.
func TestWorkspaceIsSmall(t *testing.T) {
	a := ResNet50().WithWidth(16)
	for _, mb := range []int{1, 4} {
		m, err := NewRandom(a, 1, &Options{Threads: 1, MaxBatch: mb})
		if err != nil {
			t.Fatal(err)
		}
		largest := 4 * mb * 112 * 112 * 16
		all := 0
		for _, s := range m.slots {
			all += 4 * s.Size
		}
		if got := m.WorkspaceBytes(); got > 3*largest {
			t.Errorf("max batch %d: workspace %d KiB, largest activation %d KiB", mb, got>>10, largest>>10)
		} else {
			t.Logf("max batch %d: workspace %d KiB = %.2f x the largest activation; without reuse %d KiB", mb, got>>10, float64(got)/float64(largest), all>>10)
		}
		m.Close()
	}
}
