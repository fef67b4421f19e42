//go:build !amd64

package callsite

import "runtime"

// CallerPC returns the return address of the function that calls it (see
// the amd64 version). Without frame-pointer access here, it unwinds.
//
//go:noinline
func CallerPC() uintptr {
	var pcs [1]uintptr
	// Skips runtime.Callers, CallerPC and the function calling it.
	if runtime.Callers(3, pcs[:]) == 0 {
		return 0
	}
	return pcs[0]
}
