// Steps the NEON Winograd transforms (winograd_input_neon_arm64.h,
// winograd_output_neon_arm64.h) share. Vector registers are numbers, as
// the WORD macros of neon_arm64.h take them (V(n) is Vn); the including
// header defines Q (a walking address), PP, TD and CNT.

// SPLAT: v = {c, c, c, c}, through f, v's scalar view (SPLAT(F13, V13,
// $4.0); register names, as the element form needs them).
#define SPLAT(f, v, c) \
	FMOVS c, f      \
	VDUP  v.S[0], v.S4

// LD4 ... LD6: load vectors a, b, ... from Q, Q+step, ... (Q ends at the
// last one's address).
#define LD4(step, a, b, c, d) \
	VLD1 (Q), [V(a).S4]       \
	ADD  step, Q              \
	VLD1 (Q), [V(b).S4]       \
	ADD  step, Q              \
	VLD1 (Q), [V(c).S4]       \
	ADD  step, Q              \
	VLD1 (Q), [V(d).S4]

#define LD5(step, a, b, c, d, e) \
	LD4(step, a, b, c, d)        \
	ADD  step, Q                 \
	VLD1 (Q), [V(e).S4]

#define LD6(step, a, b, c, d, e, f) \
	LD5(step, a, b, c, d, e)        \
	ADD  step, Q                    \
	VLD1 (Q), [V(f).S4]

// ST2 ... ST6: store vectors a, b, ... at Q, Q+step, ...
#define ST2(step, a, b)     \
	VST1 [V(a).S4], (Q) \
	ADD  step, Q        \
	VST1 [V(b).S4], (Q)

#define ST3(step, a, b, c) \
	ST2(step, a, b)    \
	ADD  step, Q       \
	VST1 [V(c).S4], (Q)

#define ST4(step, a, b, c, d) \
	ST3(step, a, b, c)    \
	ADD  step, Q          \
	VST1 [V(d).S4], (Q)

#define ST5(step, a, b, c, d, e) \
	ST4(step, a, b, c, d)    \
	ADD  step, Q             \
	VST1 [V(e).S4], (Q)

#define ST6(step, a, b, c, d, e, f) \
	ST5(step, a, b, c, d, e)    \
	ADD  step, Q                \
	VST1 [V(f).S4], (Q)

// LDAT / STAT: load or store vector v at base + p*stride (positions of
// the stride-2 tile layout, WinogradStride2Position).
#define LDAT(base, stride, p, v) \
	MOVD $p, Q               \
	MUL  stride, Q           \
	ADD  base, Q             \
	VLD1 (Q), [V(v).S4]

#define STAT(base, stride, p, v) \
	MOVD $p, Q               \
	MUL  stride, Q           \
	ADD  base, Q             \
	VST1 [V(v).S4], (Q)

// PASS: set up a pass over count rows or columns, reading from from and
// writing to to.
#define PASS(from, to, count) \
	MOVD from, PP         \
	MOVD to, TD           \
	MOVD $count, CNT

// COUNT: the next row or column of a pass, back to loop while any are left.
#define COUNT(loop)  \
	SUBS $1, CNT \
	BNE  loop

// NEXTCOL: the next column of the column pass (the table's next vector,
// dst's next column, step bytes on).
#define NEXTCOL(step, loop) \
	ADD  $16, PP        \
	ADD  step, TD       \
	COUNT(loop)
