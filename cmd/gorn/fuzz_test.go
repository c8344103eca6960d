package main

import (
	"strings"
	"testing"
)

func FuzzParseShape(f *testing.F) {
	for _, s := range []string{"1,3,224,224", "0,3,32,32", "1,3,32", "a,b,c,d", "2147483647,2,1,1", " 1, 3, 32, 32", "-1,3,3,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		shape, err := parseShape(s)
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			if d < 1 {
				t.Fatalf("parseShape(%q) = %v", s, shape)
			}
			n *= d
			if int64(n) > 1<<31 {
				t.Fatalf("parseShape(%q) = %v: %d elements", s, shape, n)
			}
		}
	})
}

func FuzzParseFlags(f *testing.F) {
	f.Add("0.5,0.5,0.5", "resnet50-v2")
	f.Add("1,2", "resnet9")
	f.Add("NaN,1,Inf", "RESNET18-V1")
	f.Fuzz(func(t *testing.T, triple, arch string) {
		if v, err := parseTriple(triple); err == nil && len(v) != 3 {
			t.Fatalf("parseTriple(%q) = %v", triple, v)
		}
		if a, err := parseArch(arch); err == nil {
			if err := a.Validate(); err != nil {
				t.Fatalf("parseArch(%q) = %v, invalid: %v", arch, a, err)
			}
			if !strings.HasPrefix(strings.ToLower(arch), "res") && !strings.HasPrefix(strings.ToLower(arch), "wide") {
				t.Fatalf("parseArch(%q) accepted", arch)
			}
		}
	})
}
