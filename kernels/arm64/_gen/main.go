// Command neongen writes kernels/arm64/neon_arm64.h: parameterised WORD
// macros for the arm64 instructions Go's assembler lacks (FMLA by element,
// vector FADD/FMUL/FMAX, SDOT/UDOT, SMMLA, BFMMLA); with -set int8 it writes
// kernels/arm64/int8_arm64.h, the 8-bit GEMM kernels' macros (SDOT/UDOT,
// SMMLA/USMMLA, SMULL, SADALP, ADDP and the requantization's conversions and
// narrowing; spec_int8.go).
//
// No encoding is typed by hand. For every macro it asks
// github.com/minio/asm2plan9s (which drives GNU as) for the instruction with
// every argument zero, which gives the base word, and with each argument bit
// set alone, which gives that bit's position in the word. It then checks the
// derived formula on random instances twice: against asm2plan9s's own
// output, and by disassembling the formula's words with GNU objdump and
// comparing the text with the instruction asked for.
//
// asm2plan9s only assembles arm64 when it runs on arm64, so off arm64 it is
// built with GOARCH=arm64 and run under qemu-aarch64, with an `as` on PATH
// that calls aarch64-linux-gnu-as -march=armv8.6-a+dotprod+i8mm+bf16.
// `make gen-neon` does all of this; `make check-gen` regenerates into bin/
// and fails if the checked-in header differs.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// march is what the generated `as` wrapper assembles for: every extension
// a macro in spec.go needs.
const march = "armv8.6-a+dotprod+i8mm+bf16"

// config is the command line.
type config struct {
	out, tool, runner, gas, objdump, gotool, set string
	samples                                      int
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("neongen: ")
	var c config
	flag.StringVar(&c.out, "o", "", "header to write (default ../neon_arm64.h or ../int8_arm64.h)")
	flag.StringVar(&c.set, "set", "neon", "macro set: neon (neon_arm64.h) or int8 (int8_arm64.h)")
	flag.StringVar(&c.tool, "asm2plan9s", "", "asm2plan9s binary built for arm64 (required)")
	flag.StringVar(&c.runner, "exec", defaultExec(), "program that runs the arm64 asm2plan9s binary (empty: run it directly)")
	flag.StringVar(&c.gas, "as", "aarch64-linux-gnu-as", "GNU assembler for aarch64")
	flag.StringVar(&c.objdump, "objdump", "aarch64-linux-gnu-objdump", "GNU objdump for aarch64")
	flag.StringVar(&c.gotool, "go", "go", "go command that builds the linux/arm64 check program")
	flag.IntVar(&c.samples, "samples", 24, "random instances checked per macro")
	flag.Parse()
	if c.tool == "" {
		log.Fatal("-asm2plan9s is required")
	}
	switch c.set {
	case "neon":
	case "int8":
		macros, headerFile, headerExample = int8Macros, "int8_arm64.h", int8Example
	default:
		log.Fatalf("unknown -set %q", c.set)
	}
	if c.out == "" {
		c.out = "../" + headerFile
	}
	if err := generate(c); err != nil {
		log.Fatal(err)
	}
}

// generate derives every macro, checks it, and writes the header only when
// every check has passed.
func generate(c config) error {
	tmp, err := os.MkdirTemp("", "neongen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	a := &assembler{tool: c.tool, runner: c.runner, gas: c.gas, dir: tmp}
	r := rand.New(rand.NewPCG(2024, 3))
	var all []instance
	plans := make([]plan, len(macros))
	for i, m := range macros {
		plans[i] = newPlan(m, r, c.samples)
		all = append(all, plans[i].instances()...)
	}
	words, err := a.assemble(all)
	if err != nil {
		return err
	}
	encs := make([]encoding, len(macros))
	var checks []instance
	off := 0
	for i, p := range plans {
		n := len(p.instances())
		if encs[i], err = p.derive(words[off : off+n]); err != nil {
			return err
		}
		off += n
		checks = append(checks, p.samples...)
	}
	if err := disassemble(c.objdump, tmp, checks, encs); err != nil {
		return err
	}
	var buf strings.Builder
	writeHeader(&buf, encs, c.samples)
	header := filepath.Join(tmp, headerFile)
	if err := os.WriteFile(header, []byte(buf.String()), 0o644); err != nil {
		return err
	}
	if err := verifyGo(c.gotool, c.objdump, tmp, header, checks); err != nil {
		return err
	}
	if err := os.WriteFile(c.out, []byte(buf.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d macros, %d instances assembled; %d checked twice with objdump (the words, and Go's assembly of the header)\n",
		c.out, len(macros), len(all), len(checks))
	return nil
}

// defaultExec runs arm64 binaries under qemu-aarch64 off arm64.
func defaultExec() string {
	if runtime.GOARCH == "arm64" {
		return ""
	}
	return "qemu-aarch64"
}

// assembler runs asm2plan9s over a file of instructions.
type assembler struct {
	tool, runner, gas, dir string
}

// wrapper writes the `as` asm2plan9s calls: it drops the tool's own -march
// (armv8-a+crypto, which lacks dot product, i8mm and bf16) and uses ours.
func (a *assembler) wrapper() (string, error) {
	bindir := filepath.Join(a.dir, "bin")
	if err := os.MkdirAll(bindir, 0o755); err != nil {
		return "", err
	}
	script := fmt.Sprintf(`#!/bin/sh
for arg in "$@"; do
	case "$arg" in -march=*) ;; *) set -- "$@" "$arg" ;; esac
	shift
done
exec %s -march=%s "$@"
`, a.gas, march)
	return bindir, os.WriteFile(filepath.Join(bindir, "as"), []byte(script), 0o755)
}

// assemble returns the word asm2plan9s gives for each instance, in order.
func (a *assembler) assemble(ins []instance) ([]uint32, error) {
	bindir, err := a.wrapper()
	if err != nil {
		return nil, err
	}
	var src strings.Builder
	for _, in := range ins {
		// The layout asm2plan9s rewrites in place: 4 spaces, an 8-digit
		// WORD, one space, then the instruction as a // comment.
		fmt.Fprintf(&src, "    WORD $0x00000000 // %s\n", in.text())
	}
	file := filepath.Join(a.dir, "neon.s")
	if err := os.WriteFile(file, []byte(src.String()), 0o644); err != nil {
		return nil, err
	}
	tool, err := filepath.Abs(a.tool)
	if err != nil {
		return nil, err
	}
	args := []string{tool, file}
	if a.runner != "" {
		args = append([]string{a.runner}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "PATH="+bindir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseWords(got, ins)
}

var wordLine = regexp.MustCompile(`^\s*WORD \$0x([0-9a-f]{8}) // (.*)$`)

// parseWords reads asm2plan9s's rewritten lines back.
func parseWords(src []byte, ins []instance) ([]uint32, error) {
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	if len(lines) != len(ins) {
		return nil, fmt.Errorf("asm2plan9s returned %d lines for %d instructions", len(lines), len(ins))
	}
	words := make([]uint32, len(lines))
	for i, l := range lines {
		f := wordLine.FindStringSubmatch(l)
		if f == nil || f[2] != ins[i].text() {
			return nil, fmt.Errorf("asm2plan9s line %d is %q, want the WORD for %q", i+1, l, ins[i].text())
		}
		w64, _ := strconv.ParseUint(f[1], 16, 32)
		w := uint32(w64)
		if w == 0 {
			return nil, fmt.Errorf("asm2plan9s left %q unassembled", ins[i].text())
		}
		words[i] = w
	}
	return words, nil
}
