// Command asmfunc checks the header of every assembly function against its
// Go declaration: above each TEXT line of a .s file, a "// func" line that
// spells the declaration (the same parameters, names and types, in order)
// and a "// Requires:" line; and the TEXT line's argument size must be the
// declaration's. It reads the .s and .go files of each directory given
// (whatever their build constraints) and prints one line per fault.
//
//	go run ./internal/tools/asmfunc kernels/amd64 kernels/arm64
package main

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	bad := false
	for _, dir := range os.Args[1:] {
		faults, err := checkDir(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "asmfunc:", err)
			os.Exit(2)
		}
		for _, f := range faults {
			fmt.Println(f)
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}

// param is one parameter or result: its name and type as written.
type param struct{ name, typ string }

// decl is a declaration's flattened parameters and results.
type decl struct{ params, results []param }

var textLine = regexp.MustCompile(`^TEXT\s+·(\w+)\(SB\),[^$]*\$(-?\d+)-(\d+)`)

// checkDir checks every TEXT of dir's .s files.
func checkDir(dir string) ([]string, error) {
	decls, err := goDecls(dir)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.s"))
	if err != nil {
		return nil, err
	}
	var faults []string
	for _, f := range files {
		lines, err := readLines(f)
		if err != nil {
			return nil, err
		}
		for i, l := range lines {
			m := textLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			at := fmt.Sprintf("%s:%d: %s", f, i+1, m[1])
			faults = append(faults, checkText(at, m, lines[:i], decls)...)
		}
	}
	return faults, nil
}

// checkText checks one TEXT line (match m) against the lines above it.
func checkText(at string, m []string, above []string, decls map[string]decl) []string {
	var faults []string
	d, ok := decls[m[1]]
	if !ok {
		return []string{at + ": no Go declaration"}
	}
	n := len(above)
	if n < 2 || !strings.HasPrefix(above[n-1], "// Requires: ") {
		faults = append(faults, at+": no \"// Requires:\" line above TEXT")
	} else {
		n--
	}
	if n < 1 || !strings.HasPrefix(above[n-1], "// func "+m[1]+"(") {
		return append(faults, at+": no \"// func "+m[1]+"(...)\" line above TEXT")
	}
	c, err := parseFunc(strings.TrimPrefix(above[n-1], "// "))
	if err != nil {
		return append(faults, at+": // func line: "+err.Error())
	}
	if got, want := c.String(), d.String(); got != want {
		faults = append(faults, fmt.Sprintf("%s: // func line has %s, the Go declaration %s", at, got, want))
	}
	size, err := d.argSize()
	if err != nil {
		return append(faults, at+": "+err.Error())
	}
	if got, _ := strconv.Atoi(m[3]); got != size {
		faults = append(faults, fmt.Sprintf("%s: TEXT argument size %d, the declaration's is %d", at, got, size))
	}
	return faults
}

func (d decl) String() string {
	s := func(ps []param) string {
		var b []string
		for _, p := range ps {
			b = append(b, p.name+" "+p.typ)
		}
		return "(" + strings.Join(b, ", ") + ")"
	}
	return s(d.params) + " " + s(d.results)
}

// goDecls returns the body-less function declarations of dir's .go files.
func goDecls(dir string) (map[string]decl, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	decls := map[string]decl{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body == nil && fd.Recv == nil {
				decls[fd.Name.Name] = flatten(fd.Type)
			}
		}
	}
	return decls, nil
}

// parseFunc parses a "func Name(...)" line.
func parseFunc(s string) (decl, error) {
	af, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+s+"\n", parser.SkipObjectResolution)
	if err != nil {
		return decl{}, err
	}
	if len(af.Decls) != 1 {
		return decl{}, fmt.Errorf("not one declaration")
	}
	fd, ok := af.Decls[0].(*ast.FuncDecl)
	if !ok {
		return decl{}, fmt.Errorf("not a function")
	}
	return flatten(fd.Type), nil
}

func flatten(ft *ast.FuncType) decl {
	list := func(fl *ast.FieldList) []param {
		var ps []param
		if fl == nil {
			return nil
		}
		for _, f := range fl.List {
			typ := types(f.Type)
			if len(f.Names) == 0 {
				ps = append(ps, param{"_", typ})
			}
			for _, n := range f.Names {
				ps = append(ps, param{n.Name, typ})
			}
		}
		return ps
	}
	return decl{list(ft.Params), list(ft.Results)}
}

// types spells a parameter type (the few kinds kernels use).
func types(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return "*" + types(t.X)
	case *ast.ArrayType:
		if t.Len == nil {
			return "[]" + types(t.Elt)
		}
	case *ast.SelectorExpr:
		return types(t.X) + "." + t.Sel.Name
	}
	return fmt.Sprintf("%T", e)
}

// sizeAlign returns the size and alignment of a parameter type on a 64-bit
// architecture.
func sizeAlign(typ string) (int, int, error) {
	switch {
	case strings.HasPrefix(typ, "*"), typ == "int", typ == "uint", typ == "uintptr",
		typ == "int64", typ == "uint64", typ == "float64", typ == "unsafe.Pointer":
		return 8, 8, nil
	case typ == "int32", typ == "uint32", typ == "float32":
		return 4, 4, nil
	case typ == "int16", typ == "uint16":
		return 2, 2, nil
	case typ == "int8", typ == "uint8", typ == "byte", typ == "bool":
		return 1, 1, nil
	case strings.HasPrefix(typ, "[]"):
		return 24, 8, nil
	case typ == "string":
		return 16, 8, nil
	}
	return 0, 0, fmt.Errorf("no size for type %s", typ)
}

// argSize is the ABI0 argument size: parameters at their alignment, then
// results from the next multiple of 8.
func (d decl) argSize() (int, error) {
	off := 0
	add := func(ps []param) error {
		for _, p := range ps {
			s, a, err := sizeAlign(p.typ)
			if err != nil {
				return err
			}
			off = (off+a-1)/a*a + s
		}
		return nil
	}
	if err := add(d.params); err != nil {
		return 0, err
	}
	if len(d.results) > 0 {
		off = (off + 7) / 8 * 8
		if err := add(d.results); err != nil {
			return 0, err
		}
		off = (off + 7) / 8 * 8
	}
	return off, nil
}

func readLines(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}
