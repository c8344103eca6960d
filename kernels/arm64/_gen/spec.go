package main

// param is one macro argument: a register number or a lane index.
type param struct {
	name string
	bits int // the argument takes values in [0, 1<<bits)
}

var (
	regD = param{"d", 5}
	regN = param{"n", 5}
	regM = param{"m", 5}
	lane = param{"i", 2}
)

// macro is one instruction Go's arm64 assembler lacks, as a WORD macro.
type macro struct {
	name    string
	params  []param
	gnu     string // GNU syntax, with {d}, {n}, {m}, {i} for the arguments
	feature string // the CPU feature (x/sys/cpu name) the instruction needs
	doc     string // what it computes, per 32-bit lane
}

// headerFile and headerExample name the header being generated and open
// its comment; main switches them, with macros, for -set int8.
var (
	headerFile    = "neon_arm64.h"
	headerExample = `// WORD macros for the arm64 instructions Go's assembler lacks. Arguments are
// register numbers (0-31 for V0-V31) and lane indexes, e.g.
// FMLA_ELEM(3, 24, 16, 2) is fmla v3.4s, v24.4s, v16.s[2].`
)

// macros is the header's content, in order. Arguments are register numbers
// (V0-V31) and lane indexes. Keep the GNU text in objdump's spelling: the
// generator compares the two.
var macros = []macro{
	{
		name: "FMLA_ELEM", params: []param{regD, regN, regM, lane},
		gnu: "fmla v{d}.4s, v{n}.4s, v{m}.s[{i}]", feature: "ASIMD",
		doc: "Vd[l] += Vn[l] * Vm[i] (fused)",
	},
	{
		name: "FMUL_ELEM", params: []param{regD, regN, regM, lane},
		gnu: "fmul v{d}.4s, v{n}.4s, v{m}.s[{i}]", feature: "ASIMD",
		doc: "Vd[l] = Vn[l] * Vm[i]",
	},
	{
		name: "FADD_4S", params: []param{regD, regN, regM},
		gnu: "fadd v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd[l] = Vn[l] + Vm[l]",
	},
	{
		name: "FMUL_4S", params: []param{regD, regN, regM},
		gnu: "fmul v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd[l] = Vn[l] * Vm[l]",
	},
	{
		name: "FDIV_4S", params: []param{regD, regN, regM},
		gnu: "fdiv v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd[l] = Vn[l] / Vm[l]",
	},
	{
		name: "FMAX_4S", params: []param{regD, regN, regM},
		gnu: "fmax v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd[l] = max(Vn[l], Vm[l]); NaN if either is NaN",
	},
	{
		name: "FMAXNM_4S", params: []param{regD, regN, regM},
		gnu: "fmaxnm v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd[l] = max(Vn[l], Vm[l]); a quiet NaN loses to a number",
	},
	{
		name: "FMIN_4S", params: []param{regD, regN, regM},
		gnu: "fmin v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd[l] = min(Vn[l], Vm[l]); NaN if either is NaN",
	},
	{
		name: "SDOT", params: []param{regD, regN, regM},
		gnu: "sdot v{d}.4s, v{n}.16b, v{m}.16b", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} int8 Vn.b[4l+q] * int8 Vm.b[4l+q]",
	},
	{
		name: "SDOT_ELEM", params: []param{regD, regN, regM, lane},
		gnu: "sdot v{d}.4s, v{n}.16b, v{m}.4b[{i}]", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} int8 Vn.b[4l+q] * int8 Vm.b[4i+q]",
	},
	{
		name: "UDOT", params: []param{regD, regN, regM},
		gnu: "udot v{d}.4s, v{n}.16b, v{m}.16b", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} uint8 Vn.b[4l+q] * uint8 Vm.b[4l+q]",
	},
	{
		name: "UDOT_ELEM", params: []param{regD, regN, regM, lane},
		gnu: "udot v{d}.4s, v{n}.16b, v{m}.4b[{i}]", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} uint8 Vn.b[4l+q] * uint8 Vm.b[4i+q]",
	},
	{
		name: "SMMLA", params: []param{regD, regN, regM},
		gnu: "smmla v{d}.4s, v{n}.16b, v{m}.16b", feature: "I8MM",
		doc: "Vd (2x2 int32) += Vn (2x8 int8) * Vm (2x8 int8) transposed",
	},
	{
		name: "BFMMLA", params: []param{regD, regN, regM},
		gnu: "bfmmla v{d}.4s, v{n}.8h, v{m}.8h", feature: "BF16",
		doc: "Vd (2x2 fp32) += Vn (2x4 bf16) * Vm (2x4 bf16) transposed",
	},
}
