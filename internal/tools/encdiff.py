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
    out = subprocess.run(["go", "tool", "objdump", "-s", "^" + re.escape(func) + r"(\.abi0)?$", archive],
                         capture_output=True, text=True, check=True).stdout
    hexes = []
    for line in out.splitlines()[1:]:
        f = line.split("\t")
        cols = [c for c in f if c.strip()]
        if len(cols) >= 3 and re.fullmatch(r"[0-9a-f]+", cols[2].strip()):
            hexes.append(cols[2].strip())
    if not hexes:
        sys.exit("encdiff: no code for " + func)
    return bytes.fromhex("".join(hexes))


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
    """Canonical form: registers widened to zmm, table offsets (from r14)
    and immediates counted in vectors or lanes, jump and rip-relative
    targets dropped (they move with code size)."""
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
    ins = re.sub(r"\[r14\+0x([0-9a-f]+)\]", lambda m: "[r14+%s]" % vec(int(m.group(1), 16)), ins)

    def imm(m):
        v = int(m.group(1), 16)
        if v == lanes:
            return ",LANES"
        return "," + vec(v)
    if ins.startswith(("add ", "sub ")):
        ins = re.sub(r",0x([0-9a-f]+)$", imm, ins)
    return ins


def main():
    archive = sys.argv[1]
    bad = 0
    for pair in sys.argv[2:]:
        wide, narrow = pair.split("=")
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
            # VZERO: vpxord on zmm, vxorps on ymm
            if nx != ny and not (nx.startswith("vpxord") and ny.startswith("vxorps")
                                 and nx[6:] == ny[6:]):
                print("%s #%d: %r (as %r) vs %s: %r" % (wide, i, x, nx, narrow, y))
                bad = 1
        vec = sum(1 for x in a if "zmm" in x)
        print("%s: %d instructions (%d on zmm) decode as %s's at double width" % (wide, len(a), vec, narrow))
    sys.exit(bad)


main()
