package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/klauspost/cpuid/v2"

	"github.com/gorn-ml/gorn/kernels"
)

const versionUsage = `
Usage: gorn version

Prints gorn's module version (from the build information; "(devel)" for a
build from a source tree, with the VCS revision when known), the Go version
and platform, the kernels level gorn runs on and the levels this build has,
and the CPU.
`

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", versionUsage)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	version, rev := "unknown", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = " (" + s.Value[:min(12, len(s.Value))] + ")"
			}
		}
	}
	out := e.stdout
	fmt.Fprintf(out, "gorn     %s%s\n", version, rev)
	fmt.Fprintf(out, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	var levels []string
	for _, im := range kernels.Impls() {
		state := "available"
		if !im.Available() {
			state = "needs " + im.Requires()
		}
		levels = append(levels, fmt.Sprintf("%s (%s)", im.Name(), state))
	}
	fmt.Fprintf(out, "kernels  %s; levels: %s\n", kernels.Active(), strings.Join(levels, ", "))
	c := cpuid.CPU
	fmt.Fprintf(out, "cpu      %s, %d logical CPUs", strings.TrimSpace(c.BrandName), runtime.NumCPU())
	if c.PhysicalCores > 0 {
		fmt.Fprintf(out, " (%d cores)", c.PhysicalCores)
	}
	fmt.Fprintln(out)
	return nil
}
