package kernels

// maxCallFlops bounds the work of one assembly call (about 20 µs at 100
// GFLOP/s): assembly is not preemptible, and a long call would hold up the
// garbage collector for every goroutine.
const maxCallFlops = 2 << 20

// stripPanel runs rows [i0, i1) of one K block against one B panel with the
// level's strip kernel. The rows are cut into ceil(rows/MR) tiles of nearly
// equal height (49 rows: 4 of 6 and 5 of 5), which wastes no work on a
// short last tile.
func (g *gemmJob) stripPanel(sc *lazyScratch, av *aBlock, jp, p0, kcb, i0, i1 int, last bool, flags int) {
	nr := g.im.nr
	bp, _ := g.b.panel(p0, jp)
	j0 := jp * nr
	cols := min(nr, g.b.n-j0)
	bias := g.panelBias(sc, j0, cols, last)
	rows := i1 - i0
	tiles := (rows + g.im.mr - 1) / g.im.mr
	h, tall := rows/tiles, rows%tiles // tall tiles of h+1 rows, then tiles of h
	if tall > 0 {
		g.strips(sc, av, bp, kcb, p0, i0, tall*(h+1), h+1, j0, cols, bias, flags)
		i0 += tall * (h + 1)
	}
	g.strips(sc, av, bp, kcb, p0, i0, i1-i0, h, j0, cols, bias, flags)
}

// strips runs rows [i, i+rows) in tiles of h rows, in calls bounded by
// maxCallFlops; a partial panel (cols < NR) goes through scratch C.
func (g *gemmJob) strips(sc *lazyScratch, av *aBlock, bp []float32, kcb, p0, i, rows, h, j0, cols int, bias *float32, flags int) {
	nr := g.im.nr
	per := max(1, maxCallFlops/(2*h*nr*kcb)) * h
	if cols < nr {
		per = min(per, max(1, stripScratchRows/h)*h)
	}
	for rows > 0 {
		r := min(per, rows)
		ap := av.at(i, p0)
		if cols == nr {
			raceTile(ap, av.lda, r, kcb, g.c[i*g.ldc+j0:], g.ldc, nr)
			g.im.strip(&ap[0], av.lda, &bp[0], kcb, &g.c[i*g.ldc+j0], g.ldc, bias, flags, r, h)
		} else {
			g.stripEdge(sc.get(), ap, av.lda, bp, kcb, i, r, h, j0, cols, bias, flags)
		}
		i += r
		rows -= r
	}
}

// stripEdge runs rows [i, i+rows) of a partial panel on scratch C and
// copies back the cols columns that exist.
func (g *gemmJob) stripEdge(sc *scratch, ap []float32, lda int, bp []float32, kcb, i, rows, h, j0, cols int, bias *float32, flags int) {
	nr := g.im.nr
	if flags&flagAccumulate != 0 {
		for r := 0; r < rows; r++ {
			copy(sc.c[r*nr:r*nr+cols], g.c[(i+r)*g.ldc+j0:])
		}
	}
	raceTile(ap, lda, rows, kcb, sc.c, nr, nr)
	g.im.strip(&ap[0], lda, &bp[0], kcb, &sc.c[0], nr, bias, flags, rows, h)
	for r := 0; r < rows; r++ {
		copy(g.c[(i+r)*g.ldc+j0:][:cols], sc.c[r*nr:])
	}
}
