package bench

import (
	"syscall"
	"time"
	"unsafe"
)

// convThreadCPU returns the CPU time of the calling thread (lock the
// goroutine to its thread first): on a machine shared with other work it
// measures the code, not the wait for a core.
func convThreadCPU() (time.Duration, bool) {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano()), e == 0
}
