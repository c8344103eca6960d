//go:build !purego && linux

package amd64

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestQgemmVEXEncoding checks the VNNI kernels, which this machine may not
// be able to run, against GNU binutils: every vpdpbusd that GNU objdump
// reads in the compiled kernel must be the one the kernel's register plan
// calls for, and GNU as must assemble that text into the same bytes. It
// covers the hand-written VEX macro (AVX-VNNI) and Go's EVEX encoding of
// the AVX-512 form.
func TestQgemmVEXEncoding(t *testing.T) {
	objdump, err1 := exec.LookPath("objdump")
	gas, err2 := exec.LookPath("as")
	if err1 != nil || err2 != nil {
		t.Skip("needs GNU objdump and as (binutils)")
	}
	var want []string
	for r := 0; r < 6; r++ {
		want = append(want, vexText(12, 14, 2*r), vexText(13, 14, 2*r+1))
	}
	checkVPDPBUSD(t, objdump, gas, QgemmAVXVNNI, "QgemmAVXVNNI", want)
	checkVPDPBUSD(t, objdump, gas, QgemmAVXVNNIDirect, "QgemmAVXVNNIDirect", want)
	checkVPDPBUSD(t, objdump, gas, QgemmAVXVNNIDirectFlip, "QgemmAVXVNNIDirectFlip", want)
	want = want[:0]
	for r := 0; r < 8; r++ {
		want = append(want, zmmText(16, 18, 2*r), zmmText(17, 18, 2*r+1))
	}
	checkVPDPBUSD(t, objdump, gas, QgemmAVX512VNNI, "QgemmAVX512VNNI", want)
	checkVPDPBUSD(t, objdump, gas, QgemmAVX512VNNIDirect, "QgemmAVX512VNNIDirect", want)
	checkVPDPBUSD(t, objdump, gas, QgemmAVX512VNNIDirectFlip, "QgemmAVX512VNNIDirectFlip", want)
}

func vexText(s2, s1, d int) string {
	return "{vex} vpdpbusd %ymm" + itoa(s2) + ",%ymm" + itoa(s1) + ",%ymm" + itoa(d)
}

func zmmText(s2, s1, d int) string {
	return "vpdpbusd %zmm" + itoa(s2) + ",%zmm" + itoa(s1) + ",%zmm" + itoa(d)
}

func itoa(v int) string { return strconv.Itoa(v) }

var objLine = regexp.MustCompile(`^\s*[0-9a-f]+:\s+((?:[0-9a-f]{2} )+)\s*(.*)$`)

// checkVPDPBUSD disassembles fn and compares its vpdpbusd instructions, in
// order, with want, then reassembles each with GNU as.
func checkVPDPBUSD(t *testing.T, objdump, gas string, f any, fn string, want []string) {
	t.Helper()
	dir := t.TempDir()
	code := funcBytes(t, objdump, f, dir)
	out := disasm(t, objdump, dir, code, 0)
	if i := strings.Index(out, "\tret"); i >= 0 {
		out = out[:i] // the function ends at its first RET
	}
	if strings.Contains(out, "(bad)") {
		t.Fatalf("%s: objdump cannot decode part of the kernel:\n%s", fn, out)
	}
	var texts, raw []string
	for _, l := range strings.Split(string(out), "\n") {
		m := objLine.FindStringSubmatch(l)
		if m == nil || !strings.Contains(m[2], "vpdpbusd") {
			continue
		}
		texts = append(texts, strings.Join(strings.Fields(m[2]), " "))
		raw = append(raw, strings.TrimSpace(m[1]))
	}
	if len(texts) != len(want) {
		t.Fatalf("%s: objdump shows %d vpdpbusd, want %d:\n%s", fn, len(texts), len(want), out)
	}
	src := filepath.Join(dir, "v.s")
	if err := os.WriteFile(src, []byte(strings.Join(want, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, "v.o")
	if out, err := exec.Command(gas, "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	ref, err := exec.Command(objdump, "-d", obj).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	var refRaw []string
	for _, l := range strings.Split(string(ref), "\n") {
		if m := objLine.FindStringSubmatch(l); m != nil {
			refRaw = append(refRaw, strings.TrimSpace(m[1]))
		}
	}
	for i, w := range want {
		if texts[i] != w {
			t.Errorf("%s: instruction %d reads %q, want %q", fn, i, texts[i], w)
		}
		if i < len(refRaw) && !bytes.Equal([]byte(raw[i]), []byte(refRaw[i])) {
			t.Errorf("%s: %q is %s in the kernel, %s from GNU as", fn, w, raw[i], refRaw[i])
		}
	}
	if len(refRaw) != len(want) {
		t.Errorf("GNU as produced %d instructions, want %d", len(refRaw), len(want))
	}
}

var callLine = regexp.MustCompile(`call\s+(?:0x)?([0-9a-f]+)`)

// funcBytes returns the machine code of the assembly function f (up to its
// first RET), read from memory: test binaries carry no symbol table for an
// outside disassembler. f's value is its ABIInternal wrapper, whose CALL
// leads to the assembly body.
func funcBytes(t *testing.T, objdump string, f any, dir string) []byte {
	t.Helper()
	wrapper := reflect.ValueOf(f).Pointer()
	out := disasm(t, objdump, dir, unsafe.Slice((*byte)(codeAt(wrapper)), 64), wrapper)
	m := callLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no call in the wrapper:\n%s", out)
	}
	body, err := strconv.ParseUint(m[1], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return unsafe.Slice((*byte)(codeAt(uintptr(body))), 1024)
}

// disasm runs GNU objdump over raw x86-64 code loaded at vma.
func disasm(t *testing.T, objdump, dir string, code []byte, vma uintptr) string {
	t.Helper()
	bin := filepath.Join(dir, "code.bin")
	if err := os.WriteFile(bin, code, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(objdump, "-D", "-b", "binary", "-m", "i386:x86-64",
		"--adjust-vma=0x"+strconv.FormatUint(uint64(vma), 16), bin).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump: %v\n%s", err, out)
	}
	return string(out)
}

// codeAt returns a pointer to the code at address pc (static text, never
// moved or freed).
func codeAt(pc uintptr) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(nil), pc) }
