package callsite

import (
	"runtime"
	"testing"
)

// checkpoint stands for a checkpoint function: it reports what CallerPC
// says and what runtime.Callers says about its caller.
//
//go:noinline
func checkpoint() (fast, unwound uintptr) {
	fast = CallerPC()
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	return fast, pcs[0]
}

func TestCallerPCIsTheReturnAddressRuntimeCallersReports(t *testing.T) {
	fast, unwound := checkpoint()
	if fast != unwound {
		t.Fatalf("CallerPC = %#x, runtime.Callers = %#x", fast, unwound)
	}
	frame, _ := runtime.CallersFrames([]uintptr{fast}).Next()
	if frame.Function != "github.com/tracekit-native/tracekit-native/bindings/go/internal/callsite.TestCallerPCIsTheReturnAddressRuntimeCallersReports" {
		t.Fatalf("resolved to %q", frame.Function)
	}
}

func TestEachCallSiteHasItsOwnPC(t *testing.T) {
	first, _ := checkpoint()
	second, _ := checkpoint()
	if first == second {
		t.Fatal("two call sites gave the same PC")
	}
	var seen []uintptr
	for i := 0; i < 3; i++ {
		pc, _ := checkpoint()
		seen = append(seen, pc)
	}
	if seen[0] != seen[1] || seen[1] != seen[2] {
		t.Fatalf("one call site gave different PCs: %#x", seen)
	}
}

func TestCallerPCFromManyGoroutines(t *testing.T) {
	done := make(chan [2]uintptr, 16)
	for i := 0; i < 16; i++ {
		go func() {
			fast, unwound := checkpoint()
			done <- [2]uintptr{fast, unwound}
		}()
	}
	for i := 0; i < 16; i++ {
		if got := <-done; got[0] != got[1] {
			t.Fatalf("CallerPC = %#x, runtime.Callers = %#x", got[0], got[1])
		}
	}
}
