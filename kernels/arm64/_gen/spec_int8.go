package main

// int8Example opens int8_arm64.h's comment.
const int8Example = `// WORD macros for the arm64 instructions of the 8-bit GEMM kernels that Go's
// assembler lacks. Arguments are register numbers (0-31 for V0-V31) and lane
// indexes, e.g. SDOT_4S_ELEM(3, 24, 26, 1) is sdot v3.4s, v24.16b, v26.4b[1].
// The names differ from neon_arm64.h's, so a file may include both.`

// int8Macros is int8_arm64.h's content, in order (-set int8).
var int8Macros = []macro{
	{
		name: "SDOT_4S", params: []param{regD, regN, regM},
		gnu: "sdot v{d}.4s, v{n}.16b, v{m}.16b", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} int8 Vn.b[4l+q] * int8 Vm.b[4l+q]",
	},
	{
		name: "SDOT_4S_ELEM", params: []param{regD, regN, regM, lane},
		gnu: "sdot v{d}.4s, v{n}.16b, v{m}.4b[{i}]", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} int8 Vn.b[4l+q] * int8 Vm.b[4i+q]",
	},
	{
		name: "UDOT_4S", params: []param{regD, regN, regM},
		gnu: "udot v{d}.4s, v{n}.16b, v{m}.16b", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} uint8 Vn.b[4l+q] * uint8 Vm.b[4l+q]",
	},
	{
		name: "UDOT_4S_ELEM", params: []param{regD, regN, regM, lane},
		gnu: "udot v{d}.4s, v{n}.16b, v{m}.4b[{i}]", feature: "ASIMDDP",
		doc: "Vd.s[l] += sum_{q<4} uint8 Vn.b[4l+q] * uint8 Vm.b[4i+q]",
	},
	{
		name: "SMMLA_4S", params: []param{regD, regN, regM},
		gnu: "smmla v{d}.4s, v{n}.16b, v{m}.16b", feature: "I8MM",
		doc: "Vd (2x2 int32) += Vn (2x8 int8) * Vm (2x8 int8) transposed",
	},
	{
		name: "USMMLA_4S", params: []param{regD, regN, regM},
		gnu: "usmmla v{d}.4s, v{n}.16b, v{m}.16b", feature: "I8MM",
		doc: "Vd (2x2 int32) += Vn (2x8 uint8) * Vm (2x8 int8) transposed",
	},
	{
		name: "SMULL_8H", params: []param{regD, regN, regM},
		gnu: "smull v{d}.8h, v{n}.8b, v{m}.8b", feature: "ASIMD",
		doc: "Vd.h[l] = int8 Vn.b[l] * int8 Vm.b[l], l < 8",
	},
	{
		name: "SMULL2_8H", params: []param{regD, regN, regM},
		gnu: "smull2 v{d}.8h, v{n}.16b, v{m}.16b", feature: "ASIMD",
		doc: "Vd.h[l] = int8 Vn.b[8+l] * int8 Vm.b[8+l], l < 8",
	},
	{
		name: "SADALP_4S", params: []param{regD, regN},
		gnu: "sadalp v{d}.4s, v{n}.8h", feature: "ASIMD",
		doc: "Vd.s[l] += int16 Vn.h[2l] + int16 Vn.h[2l+1]",
	},
	{
		name: "ADDP_4S", params: []param{regD, regN, regM},
		gnu: "addp v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd.s = {Vn.s[0]+Vn.s[1], Vn.s[2]+Vn.s[3], Vm.s[0]+Vm.s[1], Vm.s[2]+Vm.s[3]}",
	},
	{
		name: "UXTL_8H", params: []param{regD, regN},
		gnu: "uxtl v{d}.8h, v{n}.8b", feature: "ASIMD",
		doc: "Vd.h[l] = uint8 Vn.b[l], l < 8",
	},
	{
		name: "SXTL_8H", params: []param{regD, regN},
		gnu: "sxtl v{d}.8h, v{n}.8b", feature: "ASIMD",
		doc: "Vd.h[l] = int8 Vn.b[l], l < 8",
	},
	{
		name: "SXTL_4S", params: []param{regD, regN},
		gnu: "sxtl v{d}.4s, v{n}.4h", feature: "ASIMD",
		doc: "Vd.s[l] = int16 Vn.h[l], l < 4",
	},
	{
		name: "SXTL2_4S", params: []param{regD, regN},
		gnu: "sxtl2 v{d}.4s, v{n}.8h", feature: "ASIMD",
		doc: "Vd.s[l] = int16 Vn.h[4+l], l < 4",
	},
	{
		name: "SCVTF_4S", params: []param{regD, regN},
		gnu: "scvtf v{d}.4s, v{n}.4s", feature: "ASIMD",
		doc: "Vd.s[l] = float32(int32 Vn.s[l]), rounded to nearest even",
	},
	{
		name: "FCVTNS_4S", params: []param{regD, regN},
		gnu: "fcvtns v{d}.4s, v{n}.4s", feature: "ASIMD",
		doc: "Vd.s[l] = int32(float32 Vn.s[l]) rounded to nearest, ties to even, saturated",
	},
	{
		name: "SQXTN_4H", params: []param{regD, regN},
		gnu: "sqxtn v{d}.4h, v{n}.4s", feature: "ASIMD",
		doc: "Vd.h[l] = saturate16(Vn.s[l]), l < 4; the upper half of Vd is cleared",
	},
	{
		name: "SQXTN2_8H", params: []param{regD, regN},
		gnu: "sqxtn2 v{d}.8h, v{n}.4s", feature: "ASIMD",
		doc: "Vd.h[4+l] = saturate16(Vn.s[l]), l < 4; the lower half of Vd is kept",
	},
	{
		name: "SQXTUN_8B", params: []param{regD, regN},
		gnu: "sqxtun v{d}.8b, v{n}.8h", feature: "ASIMD",
		doc: "Vd.b[l] = saturate to [0, 255] (int16 Vn.h[l]), l < 8",
	},
	{
		name: "SQXTN_8B", params: []param{regD, regN},
		gnu: "sqxtn v{d}.8b, v{n}.8h", feature: "ASIMD",
		doc: "Vd.b[l] = saturate to [-128, 127] (int16 Vn.h[l]), l < 8",
	},
	{
		name: "FMUL_V4S", params: []param{regD, regN, regM},
		gnu: "fmul v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd.s[l] = Vn.s[l] * Vm.s[l] (the same instruction as neon_arm64.h's FMUL_4S)",
	},
	{
		name: "FADD_V4S", params: []param{regD, regN, regM},
		gnu: "fadd v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd.s[l] = Vn.s[l] + Vm.s[l]",
	},
	{
		name: "FMAX_V4S", params: []param{regD, regN, regM},
		gnu: "fmax v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd.s[l] = max(Vn.s[l], Vm.s[l]); NaN if either is NaN",
	},
	{
		name: "FMIN_V4S", params: []param{regD, regN, regM},
		gnu: "fmin v{d}.4s, v{n}.4s, v{m}.4s", feature: "ASIMD",
		doc: "Vd.s[l] = min(Vn.s[l], Vm.s[l]); NaN if either is NaN",
	},
}
