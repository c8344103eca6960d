package mmap

import (
	"fmt"
	"runtime"
	"strings"
)

// Fault reports whether r, a value recovered while reading a mapping with
// runtime/debug.SetPanicOnFault on, is a memory fault (the mapped file
// shrank under the reader), and describes it. Faults normally carry their
// address; some platforms (qemu's user-mode emulation among them) deliver
// the SIGBUS without one, which the runtime reports as a nil dereference:
// callers guard only code that dereferences no pointer of its own, so that
// too is the mapping failing.
func Fault(r any) (string, bool) {
	if re, ok := r.(interface{ Addr() uintptr }); ok {
		return fmt.Sprintf("memory fault at %#x", re.Addr()), true
	}
	if re, ok := r.(runtime.Error); ok && strings.Contains(re.Error(), "invalid memory address") {
		return "memory fault (" + re.Error() + ")", true
	}
	return "", false
}
