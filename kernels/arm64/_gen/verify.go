package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// verifyGo checks the header the way the kernels use it: Go's assembler
// expands every sample instance of every macro into a function of a small
// linux/arm64 program, and GNU objdump must read each word of that
// function back as the instruction the sample stands for. This covers what
// disassemble cannot: the Go preprocessor's substitution and the
// evaluation of the WORD expressions.
func verifyGo(gotool, objdump, dir, header string, checks []instance) error {
	pkg := filepath.Join(dir, "verify")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return err
	}
	h, err := os.ReadFile(header)
	if err != nil {
		return err
	}
	var s strings.Builder
	s.WriteString("#include \"textflag.h\"\n#include \"" + headerFile + "\"\n\n")
	s.WriteString("// func samples()\nTEXT ·samples(SB), NOSPLIT, $0-0\n")
	for _, in := range checks {
		args := make([]string, len(in.args))
		for i, v := range in.args {
			args[i] = fmt.Sprint(v)
		}
		fmt.Fprintf(&s, "\t%s(%s)\n", in.m.name, strings.Join(args, ", "))
	}
	s.WriteString("\tRET\n")
	files := map[string]string{
		"go.mod":          "module verify\n\ngo 1.21\n",
		"main.go":         "package main\n\nfunc samples()\n\nfunc main() { samples() }\n",
		"samples_arm64.s": s.String(),
		headerFile:        string(h),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	bin := filepath.Join(pkg, "verify.elf")
	build := exec.Command(gotool, "build", "-o", bin, ".")
	build.Dir = pkg
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the samples with Go's assembler: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", "--disassemble=main.samples.abi0", bin).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", objdump, err, out)
	}
	got := decoded(string(out))
	if len(got) != len(checks)+1 || got[len(got)-1] != "ret" {
		return fmt.Errorf("objdump shows %d instructions in main.samples.abi0, want %d and ret:\n%s", len(got), len(checks), out)
	}
	for i, in := range checks {
		if want := strings.Join(strings.Fields(in.text()), " "); got[i] != want {
			return fmt.Errorf("%s: Go assembles %s(%v) into what objdump reads as %q, want %q",
				in.m.name, in.m.name, in.args, got[i], want)
		}
	}
	return nil
}

// decoded returns the instructions of an objdump listing, whitespace
// normalised, without addresses and words.
func decoded(listing string) []string {
	var got []string
	for _, l := range strings.Split(listing, "\n") {
		f := strings.SplitN(l, "\t", 3) // "   0:", "4f801000 ", "fmla\tv0.4s, ..."
		if len(f) == 3 && strings.HasSuffix(strings.TrimSpace(f[0]), ":") {
			got = append(got, strings.Join(strings.Fields(f[2]), " "))
		}
	}
	return got
}
