package callsite

// CallerPC returns the return address of the function that calls it: a
// program counter inside that function's caller, the value runtime.Callers
// reports for that frame. The calling function must not be inlined
// (//go:noinline), must have a stack frame and must call CallerPC directly.
// Implemented in assembly: it reads the frame pointer chain, which Go
// maintains on amd64.
func CallerPC() uintptr
