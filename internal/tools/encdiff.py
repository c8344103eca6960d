#!/usr/bin/env python3
"""encdiff: check the AVX-512 kernels' encodings against GNU objdump.

Go's assembler writes the AVX-512 functions; this machine may be unable to
run them. For each pair (NAME_AVX512, NAME_AVX2) of functions built from the
same body at two widths, the bytes Go emitted are decoded by GNU objdump
(Debian binutils), and instruction i of the AVX-512 function must decode to
instruction i of the AVX2 one with ymm registers read as zmm and vector-sized
offsets doubled. Functions with no AVX2 twin are decoded and checked to use
only zmm/EVEX forms where they touch vector registers.

usage: encdiff.py PKG.a FUNC_AVX512=FUNC_AVX2 ...
"""
import re
import subprocess
import sys
import tempfile


def go_bytes(archive, func):
    """The machine code of the assembly function func (its ABI0 symbol, not
    the ABIInternal wrapper the linker may add)."""
    for sym in (func + ".abi0", func):
        out = subprocess.run(["go", "tool", "objdump", "-s", "^" + re.escape(sym) + "$", archive],
                             capture_output=True, text=True, check=True).stdout
        hexes = []
        for line in out.splitlines()[1:]:
            cols = [c.strip() for c in line.split("\t") if c.strip()]
            if len(cols) >= 3 and re.fullmatch(r"[0-9a-f]+", cols[2]):
                hexes.append(cols[2])
        if hexes:
            return bytes.fromhex("".join(hexes))
    sys.exit("encdiff: no code for " + func)


def gnu_decode(code):
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(code)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel", f.name],
                             capture_output=True, text=True, check=True).stdout
    ins = []
    for line in out.splitlines():
        m = re.match(r"\s*[0-9a-f]+:\t[0-9a-f ]+\t(.*)", line)
        if m:
            ins.append(m.group(1).split("#")[0].strip())
    return ins


def norm(ins, wide):
    """Canonical form: registers widened to zmm, displacements (but the
    arguments' on the stack) and add/sub/cmp immediates counted in vectors
    or lanes, jump and rip-relative targets dropped (they move with code
    size)."""
    ins = re.sub(r"\s+", " ", ins.lower())
    ins = ins.replace("ymmword", "VEC").replace("zmmword", "VEC")
    ins = re.sub(r"\bymm(\d+)", r"zmm\1", ins)
    ins = re.sub(r"^(j\w+|call) .*", r"\1 TARGET", ins)
    ins = re.sub(r"\[rip\+0x[0-9a-f]+\]", "[rip+X]", ins)
    size = 64 if wide else 32
    lanes = 16 if wide else 8

    def vec(v):
        if v % size:
            return hex(v)
        return "%d*VB" % (v // size)

    def disp(m):
        if m.group(1) == "rsp":  # the arguments: the same at both widths
            return m.group(0)
        return "[%s%s%s]" % (m.group(1), m.group(2), vec(int(m.group(3), 16)))
    ins = re.sub(r"\[([^\]+-]+(?:\+\w+\*\d)?)([+-])0x([0-9a-f]+)\]", disp, ins)

    def imm(m):
        v = int(m.group(1), 16)
        if v == lanes:
            return ",LANES"
        return "," + vec(v)
    if ins.startswith(("add ", "sub ", "cmp ")):
        ins = re.sub(r",0x([0-9a-f]+)$", imm, ins)
    return ins


def main():
    archive = sys.argv[1]
    bad = 0
    for pair in sys.argv[2:]:
        wide, narrow = pair.split("=")
        before = bad
        bad = 0
        a = gnu_decode(go_bytes(archive, wide))
        b = gnu_decode(go_bytes(archive, narrow))
        if any("(bad)" in x for x in a):
            print("%s: GNU objdump cannot decode an instruction" % wide)
            bad = 1
        if len(a) != len(b):
            print("%s: %d instructions, %s has %d" % (wide, len(a), narrow, len(b)))
            bad = 1
        for i, (x, y) in enumerate(zip(a, b)):
            nx, ny = norm(x, True), norm(y, False)
            # VZERO and VORV: vpxord, vpord on zmm (AVX-512F; vxorps, vorps
            # on zmm need AVX512DQ), vxorps, vorps on ymm
            for wide_op, narrow_op in (("vpxord", "vxorps"), ("vpord", "vorps")):
                if nx.startswith(wide_op + " ") and ny.startswith(narrow_op + " "):
                    nx = narrow_op + nx[len(wide_op):]
            if nx != ny:
                print("%s #%d: %r (as %r) vs %s: %r" % (wide, i, x, nx, narrow, y))
                bad = 1
        vec = sum(1 for x in a if "zmm" in x)
        if bad:
            print("%s: DIFFERS from %s at double width" % (wide, narrow))
        else:
            print("%s: %d instructions (%d on zmm) decode as %s's at double width" % (wide, len(a), vec, narrow))
        bad |= before
    sys.exit(bad)


main()
