package preprocess

import (
	_ "embed"
	"strings"
	"sync"
)

// imagenetLabels is torchvision's list of the ImageNet-1k class names
// (torchvision/models/_meta.py, _IMAGENET_CATEGORIES, as shipped by Debian's
// python3-torchvision 0.14), one per line in class-index order.
//
//go:embed imagenet_labels.txt
var imagenetLabels string

var labels = sync.OnceValue(func() []string {
	return strings.Split(strings.TrimSuffix(imagenetLabels, "\n"), "\n")
})

// ImageNetLabels returns the 1000 ImageNet-1k class names in class-index
// order, as torchvision's pretrained weights use them ("tench", "goldfish",
// ...). The slice is a copy.
func ImageNetLabels() []string {
	return append([]string(nil), labels()...)
}

// ImageNetLabel returns the name of ImageNet class i, or "" when i is out
// of range.
func ImageNetLabel(i int) string {
	l := labels()
	if i < 0 || i >= len(l) {
		return ""
	}
	return l[i]
}
