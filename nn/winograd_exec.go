package nn

import (
	"github.com/gorn-ml/gorn/internal/idle"
	"github.com/gorn-ml/gorn/kernels"
)

// winoPlan is how one Winograd Forward call runs. The output is cut into
// tiles of m x m pixels, taken in blocks of rows tiles, one task per
// block: the input transform of the block's tiles into V (t*t matrices of
// rows x Cin), one GEMM per position into M (t*t matrices of rows x Cout),
// the output transform. Each block streams all t*t transformed filters,
// so blocks stay large; when several threads would get too few of them
// (small maps), the call runs in whole mode instead: three phases over all
// tiles, the transforms split by tiles, the GEMMs by position. A worker
// also has a patch, for the tiles that reach past the input or the output.
type winoPlan struct {
	tilesH, tilesW int  // tiles down and across one image
	tiles          int  // tiles of all images
	rows           int  // tiles per block (whole mode: all)
	blocks         int  // tasks of blocks mode (whole mode: 1)
	whole          bool // whole mode
	chunk          int  // tiles per transform task (whole mode)
	workers        int  // threads that take tasks
	v, mm, patch   int  // floats of V and M (per worker, but shared in whole mode) and of a patch
	scratch        int  // floats of scratch space needed
}

// winoPlan plans n images of oh x ow output pixels on threads threads.
// Blocks hold about winoBlockFloats floats of V and M, and at least
// winoMinRows tiles (below that the GEMMs slow down more than the caches
// gain). Whole mode is for several threads with fewer than two such blocks
// each.
func (c *Conv) winoPlan(n, oh, ow, threads int) winoPlan {
	w, mr := c.wino, c.im.MR()
	tt := w.t * w.t
	pl := winoPlan{tilesH: (oh + w.m - 1) / w.m, tilesW: (ow + w.m - 1) / w.m}
	pl.tiles = n * pl.tilesH * pl.tilesW
	pl.patch = max(tt*c.p.Cin, w.m*w.m*c.p.Cout)
	rows := max(winoBlockFloats/(tt*(c.p.Cin+c.p.Cout)), winoMinRows)
	if threads > 1 && pl.tiles < 2*threads*rows {
		pl.whole, pl.rows, pl.blocks, pl.workers = true, pl.tiles, 1, threads
		pl.chunk = (pl.tiles + 4*threads - 1) / (4 * threads)
		pl.v, pl.mm = tt*pl.tiles*c.p.Cin, tt*pl.tiles*c.p.Cout
		pl.scratch = pl.v + pl.mm + threads*pl.patch
		return pl
	}
	rows = (rows + mr - 1) / mr * mr
	blocks := max(1, (pl.tiles+rows/2)/rows) // the nearest count of such blocks
	// Even blocks: no short last block that streams all of B for a few rows.
	rows = ((pl.tiles+blocks-1)/blocks + mr - 1) / mr * mr
	pl.rows = min(rows, pl.tiles)
	pl.blocks = (pl.tiles + pl.rows - 1) / pl.rows
	pl.workers = min(threads, pl.blocks)
	pl.v, pl.mm = tt*pl.rows*c.p.Cin, tt*pl.rows*c.p.Cout
	pl.scratch = pl.workers * (pl.v + pl.mm + pl.patch)
	return pl
}

// What winoCall.Do runs for a task.
const (
	winoBlock  = iota // blocks mode: one block
	winoInput         // whole mode: the input transform of a chunk of tiles
	winoGemm          // whole mode: one position's GEMM
	winoOutput        // whole mode: the output transform of a chunk of tiles
)

// winoCall is one Winograd Forward call after its checks.
type winoCall struct {
	c        *Conv
	dst, src []float32
	scratch  []float32
	ep       Epilogue
	opt      *kernels.Options
	pl       winoPlan
	h, w     int // input size
	oh, ow   int // output size
	phase    int // a wino* constant
	firstErr
}

var winoCalls idle.List[winoCall]

// winoForward runs a checked Forward call; scratch holds pl.scratch floats.
func (c *Conv) winoForward(dst, src []float32, h, w, oh, ow int, ep Epilogue, scratch []float32, pl winoPlan, opt *kernels.Options) error {
	x := winoCalls.Get()
	*x = winoCall{c: c, dst: dst, src: src, scratch: scratch, ep: ep, opt: opt, pl: pl, h: h, w: w, oh: oh, ow: ow}
	if pl.whole {
		chunks := (pl.tiles + pl.chunk - 1) / pl.chunk
		for _, ph := range [...]struct{ phase, tasks int }{{winoInput, chunks}, {winoGemm, len(c.wino.groups)}, {winoOutput, chunks}} {
			x.phase = ph.phase
			if x.each(ph.tasks); x.err != nil {
				break
			}
		}
	} else {
		x.phase = winoBlock
		x.each(pl.blocks)
	}
	err := x.err
	*x = winoCall{}
	winoCalls.Put(x)
	return err
}

// each runs tasks tasks of the current phase on the workers.
func (x *winoCall) each(tasks int) {
	if x.pl.workers == 1 || tasks == 1 {
		for t := 0; t < tasks; t++ {
			x.Do(t, 0)
		}
		return
	}
	x.opt.Pool.Run(tasks, x.pl.workers, x)
}

// Do runs one task of the current phase; worker picks its scratch.
func (x *winoCall) Do(task, worker int) {
	c, pl := x.c, &x.pl
	cin, cout := c.p.Cin, c.p.Cout
	var v, mm, patch []float32
	if pl.whole {
		v, mm = x.scratch[:pl.v], x.scratch[pl.v:][:pl.mm]
		patch = x.scratch[pl.v+pl.mm+worker*pl.patch:][:pl.patch]
	} else {
		ws := x.scratch[worker*(pl.v+pl.mm+pl.patch):]
		v, mm, patch = ws[:pl.v], ws[pl.v:][:pl.mm], ws[pl.v+pl.mm:][:pl.patch]
	}
	var err error
	switch x.phase {
	case winoBlock:
		t0 := task * pl.rows
		nt := min(pl.rows, pl.tiles-t0)
		for i := 0; i < nt && err == nil; i++ {
			err = x.inputTile(v[i*cin:], nt*cin, t0+i, patch)
		}
		for g := 0; g < len(c.wino.groups) && err == nil; g++ {
			err = x.gemm(v, mm, nt, g)
		}
		for i := 0; i < nt && err == nil; i++ {
			err = x.outputTile(mm[i*cout:], nt*cout, t0+i, patch)
		}
	case winoInput:
		for i := task * pl.chunk; i < min((task+1)*pl.chunk, pl.tiles) && err == nil; i++ {
			err = x.inputTile(v[i*cin:], pl.tiles*cin, i, patch)
		}
	case winoGemm:
		err = x.gemm(v, mm, pl.tiles, task)
	case winoOutput:
		for i := task * pl.chunk; i < min((task+1)*pl.chunk, pl.tiles) && err == nil; i++ {
			err = x.outputTile(mm[i*cout:], pl.tiles*cout, i, patch)
		}
	}
	x.set(err)
}

// gemm multiplies the nt x Cin matrices of V at group g's positions (one
// matrix of count*nt rows) by their transformed filter into M.
func (x *winoCall) gemm(v, mm []float32, nt, g int) error {
	cin, cout := x.c.p.Cin, x.c.p.Cout
	gr := &x.c.wino.groups[g]
	return kernels.SgemmPacked(gr.count*nt, v[gr.pos*nt*cin:], cin, gr.packed, mm[gr.pos*nt*cout:], cout, kernels.Epilogue{}, nil)
}

// tileOrigin returns the image of tile and the output pixel at its top
// left corner.
func (x *winoCall) tileOrigin(tile int) (img, oy, ox int) {
	pl := &x.pl
	tx := tile % pl.tilesW
	tile /= pl.tilesW
	return tile / pl.tilesH, tile % pl.tilesH * x.c.wino.m, tx * x.c.wino.m
}

// inputTile writes the transformed input of tile to v, position p at
// v[p*stride:]. Pixels outside the input (padding, and beyond the bottom
// and right edges for the last tiles) are zeros: a tile that reaches them
// is copied into patch first.
func (x *winoCall) inputTile(v []float32, stride, tile int, patch []float32) error {
	c := x.c
	cin, t := c.p.Cin, c.wino.t
	img, oy, ox := x.tileOrigin(tile)
	y0, x0 := oy*c.wino.stride-c.p.PadT, ox*c.wino.stride-c.p.PadL
	if y0 >= 0 && x0 >= 0 && y0+t <= x.h && x0+t <= x.w {
		at := ((img*x.h+y0)*x.w + x0) * cin
		return x.input(v, stride, x.src[at:], x.w*cin)
	}
	for r := 0; r < t; r++ {
		row := patch[r*t*cin:][:t*cin]
		iy := y0 + r
		if iy < 0 || iy >= x.h {
			clear(row)
			continue
		}
		j0, j1 := max(0, -x0), min(t, x.w-x0) // the columns inside the input
		if j1 <= j0 {
			clear(row)
			continue
		}
		clear(row[:j0*cin])
		copy(row[j0*cin:j1*cin], x.src[((img*x.h+iy)*x.w+x0+j0)*cin:])
		clear(row[j1*cin:])
	}
	return x.input(v, stride, patch, t*cin)
}

// input runs the input transform of one tile at src (rows rowStride
// apart) into v (positions vStride apart).
func (x *winoCall) input(v []float32, vStride int, src []float32, rowStride int) error {
	c := x.c
	if c.wino.stride == 2 {
		return c.im.WinogradInputStride2(v, vStride, src, rowStride, c.p.Cin, c.p.Cin)
	}
	return c.im.WinogradInput(c.wino.m, v, vStride, src, rowStride, c.p.Cin, c.p.Cin)
}

// output runs the output transform of one tile from mm (positions
// mStride apart) into dst (rows rowStride apart).
func (x *winoCall) output(dst []float32, rowStride int, mm []float32, mStride int, ep kernels.Epilogue) error {
	c := x.c
	if c.wino.stride == 2 {
		return c.im.WinogradOutputStride2(dst, rowStride, c.p.Cout, mm, mStride, c.p.Cout, ep)
	}
	return c.im.WinogradOutput(c.wino.m, dst, rowStride, c.p.Cout, mm, mStride, c.p.Cout, ep)
}

// outputTile computes tile's output from the GEMMs' products (position p
// at mm[p*stride:]) and stores its pixels inside the output with the bias
// and the epilogue. A tile that reaches past the output goes through
// patch: it takes the old values first when adding to them, and only the
// pixels inside the output are copied back.
func (x *winoCall) outputTile(mm []float32, stride, tile int, patch []float32) error {
	c := x.c
	cout, m := c.p.Cout, c.wino.m
	img, oy, ox := x.tileOrigin(tile)
	ep := kernels.Epilogue{Bias: c.bias, Accumulate: x.ep.Residual, ReLU: x.ep.ReLU}
	at := ((img*x.oh+oy)*x.ow + ox) * cout
	if oy+m <= x.oh && ox+m <= x.ow {
		return x.output(x.dst[at:], x.ow*cout, mm, stride, ep)
	}
	rows, cols := min(m, x.oh-oy), min(m, x.ow-ox)
	if x.ep.Residual {
		for r := 0; r < rows; r++ {
			copy(patch[r*m*cout:][:cols*cout], x.dst[at+r*x.ow*cout:])
		}
	}
	if err := x.output(patch, m*cout, mm, stride, ep); err != nil {
		return err
	}
	for r := 0; r < rows; r++ {
		copy(x.dst[at+r*x.ow*cout:][:cols*cout], patch[r*m*cout:])
	}
	return nil
}
