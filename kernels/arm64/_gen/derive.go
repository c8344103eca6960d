package main

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// instance is a macro with concrete arguments.
type instance struct {
	m    *macro
	args []int // one per m.params
}

// text is the instance in GNU syntax.
func (in instance) text() string {
	s := in.m.gnu
	for i, p := range in.m.params {
		s = strings.ReplaceAll(s, "{"+p.name+"}", fmt.Sprint(in.args[i]))
	}
	return s
}

// plan lists what is assembled for one macro: the base instance (every
// argument zero), one probe per argument bit, and random samples.
type plan struct {
	m       *macro
	base    instance
	probes  []instance // in param order, then bit order
	samples []instance
}

func newPlan(m macro, r *rand.Rand, samples int) plan {
	p := plan{m: &m}
	zero := func() []int { return make([]int, len(m.params)) }
	p.base = instance{&m, zero()}
	for i, pa := range m.params {
		for b := 0; b < pa.bits; b++ {
			args := zero()
			args[i] = 1 << b
			p.probes = append(p.probes, instance{&m, args})
		}
	}
	top := zero() // every argument at its largest value
	for i, pa := range m.params {
		top[i] = 1<<pa.bits - 1
	}
	p.samples = append(p.samples, instance{&m, top})
	for len(p.samples) < samples {
		args := zero()
		for i, pa := range m.params {
			args[i] = r.IntN(1 << pa.bits)
		}
		p.samples = append(p.samples, instance{&m, args})
	}
	return p
}

func (p plan) instances() []instance {
	all := append([]instance{p.base}, p.probes...)
	return append(all, p.samples...)
}

// encoding is a macro's derived formula: the base word, and for each
// argument bit the word bit it sets.
type encoding struct {
	m    *macro
	base uint32
	pos  [][]int // pos[param][bit] = bit of the word
}

// derive reads the formula from the words assembled for p.instances() and
// checks it on the samples. Every probe must differ from the base in one
// bit of its own, so the instruction is linear in its arguments.
func (p plan) derive(words []uint32) (encoding, error) {
	e := encoding{m: p.m, base: words[0]}
	used := e.base
	k := 1
	for _, pa := range p.m.params {
		var pos []int
		for b := 0; b < pa.bits; b++ {
			d := words[k] ^ e.base
			if bits.OnesCount32(d) != 1 || d&used != 0 {
				return e, fmt.Errorf("%s: %q is not the base %#08x with one new bit: %#08x",
					p.m.name, p.probes[k-1].text(), e.base, words[k])
			}
			used |= d
			pos = append(pos, bits.TrailingZeros32(d))
			k++
		}
		e.pos = append(e.pos, pos)
	}
	for i, s := range p.samples {
		if got, want := e.eval(s.args), words[k+i]; got != want {
			return e, fmt.Errorf("%s: formula gives %#08x for %q, asm2plan9s %#08x", p.m.name, got, s.text(), want)
		}
	}
	return e, nil
}

// eval computes the word for the arguments, as the macro does.
func (e encoding) eval(args []int) uint32 {
	w := e.base
	for i, pos := range e.pos {
		for b, at := range pos {
			w |= uint32(args[i]>>b&1) << at
		}
	}
	return w
}

// expr is the formula in Go assembler syntax: runs of argument bits that
// land in consecutive word bits become one shifted, masked field.
func (e encoding) expr() string {
	terms := []string{fmt.Sprintf("0x%08x", e.base)}
	for i, pa := range e.m.params {
		pos := e.pos[i]
		for b := 0; b < len(pos); {
			n := 1
			for b+n < len(pos) && pos[b+n] == pos[b]+n {
				n++
			}
			v := "(" + pa.name + ")"
			if b > 0 {
				v = fmt.Sprintf("((%s)>>%d)", pa.name, b)
			}
			t := fmt.Sprintf("(%s&%d)", v, 1<<n-1)
			if pos[b] > 0 {
				t = fmt.Sprintf("(%s<<%d)", t, pos[b])
			}
			terms = append(terms, t)
			b += n
		}
	}
	return "WORD $(" + strings.Join(terms, "|") + ")"
}

// disassemble runs GNU objdump over the formula's words for every sample
// and checks that each reads back as the instruction asked for.
func disassemble(objdump, dir string, checks []instance, encs []encoding) error {
	byName := map[string]encoding{}
	for _, e := range encs {
		byName[e.m.name] = e
	}
	var raw []byte
	for _, in := range checks {
		raw = binary.LittleEndian.AppendUint32(raw, byName[in.m.name].eval(in.args))
	}
	file := filepath.Join(dir, "words.bin")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		return err
	}
	out, err := exec.Command(objdump, "-D", "-b", "binary", "-m", "aarch64", file).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", objdump, err, out)
	}
	var got []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.SplitN(l, "\t", 3) // "   0:", "4f801000 ", "fmla\tv0.4s, ..."
		if len(f) == 3 && strings.HasSuffix(strings.TrimSpace(f[0]), ":") {
			got = append(got, strings.Join(strings.Fields(f[2]), " "))
		}
	}
	if len(got) != len(checks) {
		return fmt.Errorf("objdump decoded %d instructions, want %d:\n%s", len(got), len(checks), out)
	}
	for i, in := range checks {
		if want := strings.Join(strings.Fields(in.text()), " "); got[i] != want {
			return fmt.Errorf("%s: objdump reads the formula's word as %q, want %q", in.m.name, got[i], want)
		}
	}
	return nil
}

// writeHeader renders neon_arm64.h.
func writeHeader(w *strings.Builder, encs []encoding, samples int) {
	fmt.Fprintf(w, `// Code generated by kernels/arm64/_gen (make gen-neon); DO NOT EDIT.

// WORD macros for the arm64 instructions Go's assembler lacks. Arguments are
// register numbers (0-31 for V0-V31) and lane indexes, e.g.
// FMLA_ELEM(3, 24, 16, 2) is fmla v3.4s, v24.4s, v16.s[2].
//
// Encodings come from GNU as (-march=%s) through
// github.com/minio/asm2plan9s: the base word is the instruction with every
// argument zero, and each argument bit's position in the word is where the
// instruction with that bit alone set differs. Each formula was checked on
// %d instances per macro against asm2plan9s and, read back through GNU
// objdump, against the instruction's text.
//
// Only call a macro when the CPU has the feature named in its comment;
// the dispatch in package kernels checks it.
`, march, samples)
	for _, e := range encs {
		m := e.m
		names := make([]string, len(m.params))
		for i, p := range m.params {
			names[i] = p.name
		}
		gnu := m.gnu
		for _, p := range m.params {
			gnu = strings.ReplaceAll(gnu, "{"+p.name+"}", p.name)
		}
		fmt.Fprintf(w, "\n// %s: %s (%s)\n//\t%s\n", m.name, gnu, m.feature, m.doc)
		fmt.Fprintf(w, "#define %s(%s) %s\n", m.name, strings.Join(names, ", "), e.expr())
	}
}
