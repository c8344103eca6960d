package main

import (
	"fmt"
	"io"

	"github.com/gorn-ml/gorn/kernels"
)

// printLevels prints one line per kernels level compiled in: whether it is
// the one in use, available or not, and why (the CPU's features, GODEBUG,
// the level's self-test, whose error it prints when it failed). The first
// line carries label, padded to width.
func printLevels(out io.Writer, label string, width int, used *kernels.Impl) {
	for i, im := range kernels.Impls() {
		if i > 0 {
			label = ""
		}
		state := "available"
		switch {
		case im == used:
			state = "in use"
		case !im.Available():
			state = "unavailable"
		}
		fmt.Fprintf(out, "%-*s%-8s %-11s %s\n", width, label, im.Name(), state, im.Reason())
	}
}
