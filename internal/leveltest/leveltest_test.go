package leveltest

import "testing"

type fake struct {
	name string
	ok   bool
}

func (f fake) Name() string    { return f.name }
func (f fake) Available() bool { return f.ok }
func (f fake) Reason() string  { return "because" }

// recorder is a testing.TB that records failures and skips instead of
// ending the goroutine.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }

func TestRequired(t *testing.T) {
	t.Setenv(Env, " avx512, avx2 ,,")
	if got := Required(); len(got) != 2 || got[0] != "avx512" || got[1] != "avx2" {
		t.Fatalf("Required() = %q", got)
	}
	for _, c := range []struct {
		lv              fake
		failed, skipped bool
	}{
		{fake{"avx512", false}, true, false}, // required, unavailable: fails
		{fake{"avx2", true}, false, false},   // available: runs
		{fake{"neon", false}, false, true},   // not required: skipped
	} {
		r := &recorder{TB: t}
		SkipUnavailable(r, c.lv)
		if r.failed != c.failed || r.skipped != c.skipped {
			t.Errorf("%v: failed %v skipped %v, want %v %v", c.lv, r.failed, r.skipped, c.failed, c.skipped)
		}
	}
	r := &recorder{TB: t}
	CheckRequired(r, []Level{fake{"avx512", true}, fake{"avx2", true}})
	if r.failed {
		t.Fatal("CheckRequired failed with both levels available")
	}
	for _, levels := range [][]Level{{fake{"avx2", true}}, {fake{"avx512", false}, fake{"avx2", true}}} {
		r := &recorder{TB: t}
		if CheckRequired(r, levels); !r.failed {
			t.Errorf("CheckRequired passed with %v", levels)
		}
	}
}
