package graph

import (
	"fmt"
	"maps"
	"slices"
)

// Attr is one attribute value. Exactly one field is meaningful, as the
// source model typed it.
type Attr struct {
	Int    int64
	Float  float32
	Str    string
	Ints   []int64
	Floats []float32
	Tensor *Tensor
	Kind   AttrKind
}

// AttrKind says which field of an Attr holds its value.
type AttrKind uint8

// Attribute kinds.
const (
	AttrInt AttrKind = iota + 1
	AttrFloat
	AttrString
	AttrInts
	AttrFloats
	AttrTensor
)

// Attrs are a node's attributes by name.
type Attrs map[string]Attr

// Clone returns a copy of a whose slices are not shared.
func (a Attrs) Clone() Attrs {
	c := maps.Clone(a)
	for k, v := range c {
		v.Ints = slices.Clone(v.Ints)
		v.Floats = slices.Clone(v.Floats)
		c[k] = v
	}
	return c
}

// I returns an Int attribute.
func I(v int64) Attr { return Attr{Kind: AttrInt, Int: v} }

// F returns a Float attribute.
func F(v float32) Attr { return Attr{Kind: AttrFloat, Float: v} }

// S returns a String attribute.
func S(v string) Attr { return Attr{Kind: AttrString, Str: v} }

// Is returns an Ints attribute.
func Is(v ...int64) Attr { return Attr{Kind: AttrInts, Ints: v} }

// Fs returns a Floats attribute.
func Fs(v ...float32) Attr { return Attr{Kind: AttrFloats, Floats: v} }

// Int returns n's integer attribute name, or def when absent.
func (n *Node) Int(name string, def int64) (int64, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != AttrInt {
		return 0, n.Errorf("attribute %s is not an int", name)
	}
	return a.Int, nil
}

// Float returns n's float attribute name, or def when absent.
func (n *Node) Float(name string, def float32) (float32, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != AttrFloat {
		return 0, n.Errorf("attribute %s is not a float", name)
	}
	return a.Float, nil
}

// String returns n's string attribute name, or def when absent.
func (n *Node) Str(name, def string) (string, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != AttrString {
		return "", n.Errorf("attribute %s is not a string", name)
	}
	return a.Str, nil
}

// Ints returns n's ints attribute name, or def when absent. The slice is
// the node's own: do not modify it.
func (n *Node) Ints(name string, def []int64) ([]int64, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != AttrInts {
		return nil, n.Errorf("attribute %s is not a list of ints", name)
	}
	return a.Ints, nil
}

// Floats returns n's floats attribute name, or def when absent.
func (n *Node) Floats(name string, def []float32) ([]float32, error) {
	a, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	if a.Kind != AttrFloats {
		return nil, n.Errorf("attribute %s is not a list of floats", name)
	}
	return a.Floats, nil
}

// SetAttr sets attribute name of n.
func (n *Node) SetAttr(name string, a Attr) {
	if n.Attrs == nil {
		n.Attrs = Attrs{}
	}
	n.Attrs[name] = a
}

// CheckAttrs fails when n has an attribute outside allowed, naming it and
// the allowed set: an attribute gorn does not know could change the
// operator's meaning, so it is refused rather than ignored.
func (n *Node) CheckAttrs(allowed ...string) error {
	for k := range n.Attrs {
		if !slices.Contains(allowed, k) {
			return n.Unsupportedf("attribute %q (supported: %v)", k, allowed)
		}
	}
	return nil
}

// ConstInput returns the constant behind input i, or an error naming n
// when the input is absent or not constant.
func (n *Node) ConstInput(i int) (*Tensor, error) {
	v := n.Input(i)
	if v == nil || v.Const == nil {
		return nil, n.Unsupportedf("input %d must be a constant", i)
	}
	return v.Const, nil
}

// fmtShape formats a shape for messages.
func fmtShape(s []int) string { return fmt.Sprint(s) }
