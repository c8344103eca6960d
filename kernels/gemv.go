package kernels

// gemvKernel computes a one-row GEMM against four consecutive full panels
// of one K block of kc rows (b at the first, the others kc*NR floats
// apart): 4*NR outputs, each the chain of operations the level's strip
// kernel computes for it on one row (see microKernel), flags as there.
type gemvKernel func(a, b *float32, kc int, c, bias *float32, flags int)

// SgemvPacked computes the one-row product c[0:n] = a[0:k] * B with the
// epilogue ep, where B was packed by [PackB] (k and n are B's):
// [SgemmPacked] with m = 1, and the same bits, on one thread. Where the
// level has a matrix-vector kernel (avx2) it reads four panels of B at a
// time, which keeps more multiply-adds and more memory reads in flight than
// the GEMM's one-row tiles. Sizes and slice lengths are checked first: an
// inconsistent call returns an error wrapping [ErrShape] and touches no
// memory. It allocates nothing.
func SgemvPacked(a []float32, b *PackedB, c []float32, ep Epilogue) error {
	if b == nil {
		return shapeErr("packed B is nil")
	}
	if err := checkGemm(1, b.n, b.k, a, b.k, c, b.n, &ep); err != nil {
		return err
	}
	if b.n == 0 {
		return nil
	}
	if b.k == 0 {
		epilogueOnly(1, b.n, c, b.n, &ep)
		return nil
	}
	if raceEnabled {
		raceSpan(a, b.k, false)
		raceSpan(c, b.n, true)
	}
	im := b.impl
	gv := im.ew.gemv4
	nr := im.nr
	full, panels := b.n/nr, (b.n+nr-1)/nr
	sc := &lazyScratch{nr: nr}
	for p0 := 0; p0 < b.k; p0 += b.kc {
		kcb := min(b.kc, b.k-p0)
		// The GEMM driver's flags and bias for this K block (rowBlock).
		flags := 0
		if p0 > 0 || ep.Accumulate {
			flags |= flagAccumulate
		}
		last := p0+kcb == b.k
		if last && ep.ReLU {
			flags |= flagReLU
		}
		jp := 0
		if gv != nil {
			for ; jp+4 <= full; jp += 4 {
				bp, _ := b.panel(p0, jp)
				var bias *float32
				if last && ep.Bias != nil {
					bias = &ep.Bias[jp*nr]
				}
				gv(&a[p0], &bp[0], kcb, &c[jp*nr], bias, flags)
			}
		}
		for ; jp < panels; jp++ {
			gemvPanel(sc, im, a[p0:], b, c, &ep, p0, jp, last, flags)
		}
	}
	sc.release()
	return nil
}

// gemvPanel runs one panel of one K block on the strip kernel, one row,
// through scratch when the panel is partial (as stripEdge does).
func gemvPanel(sc *lazyScratch, im *Impl, a []float32, b *PackedB, c []float32, ep *Epilogue, p0, jp int, last bool, flags int) {
	nr := im.nr
	bp, kcb := b.panel(p0, jp)
	j0 := jp * nr
	cols := min(nr, b.n-j0)
	var bias *float32
	if last && ep.Bias != nil {
		if cols == nr {
			bias = &ep.Bias[j0]
		} else {
			s := sc.get()
			copy(s.bias, ep.Bias[j0:j0+cols])
			clear(s.bias[cols:])
			bias = &s.bias[0]
		}
	}
	if cols == nr {
		im.strip(&a[0], kcb, &bp[0], kcb, &c[j0], nr, bias, flags, 1, 1)
		return
	}
	s := sc.get()
	if flags&flagAccumulate != 0 {
		copy(s.c[:cols], c[j0:])
	}
	im.strip(&a[0], kcb, &bp[0], kcb, &s.c[0], nr, bias, flags, 1, 1)
	copy(c[j0:j0+cols], s.c)
}
