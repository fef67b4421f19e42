package tracekit

/*
#cgo pkg-config: tracekit
#include <stdlib.h>
#include <tracekit.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// call runs a C function that reports failures through tk_last_error and
// returns its status with the message. tk_last_error is thread-local, so
// the goroutine stays on one OS thread for both calls.
func call(op string, fn func() C.tk_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := fn()
	if status == C.TK_OK {
		return nil
	}
	return newError(op, int(status), C.GoString(C.tk_last_error()))
}

// callPointer is call for functions that return NULL on failure. Those
// give no status: the error's code is TK_ERR_INVALID_ARGUMENT, its message
// the library's.
func callPointer[T any](op string, fn func() *T) (*T, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if result := fn(); result != nil {
		return result, nil
	}
	return nil, newError(op, int(C.TK_ERR_INVALID_ARGUMENT), C.GoString(C.tk_last_error()))
}

// cString copies s into C memory (free with C.free). A NUL inside s would
// silently cut the C string short, so it is an error instead.
func cString(name, s string) (*C.char, *Error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, newError("", int(C.TK_ERR_INVALID_ARGUMENT), name+" must not contain NUL bytes")
	}
	return C.CString(s), nil
}

// takeString returns a string the library allocated and frees it.
func takeString(text *C.char) (string, bool) {
	if text == nil {
		return "", false
	}
	defer C.tk_free(unsafe.Pointer(text))
	return C.GoString(text), true
}

// checkLibraryVersion refuses a libtracekit of another major version.
func checkLibraryVersion() error {
	library := C.GoString(C.tk_version())
	libraryMajor, _, _ := strings.Cut(library, ".")
	if wanted, _, _ := strings.Cut(Version, "."); libraryMajor != wanted {
		return newError("NewSDK", int(C.TK_ERR_INTERNAL), fmt.Sprintf(
			"libtracekit %s is not compatible with this package %s (the major versions differ)", library, Version))
	}
	return nil
}

// LibraryVersion is the version of the libtracekit this process loaded.
func LibraryVersion() string { return C.GoString(C.tk_version()) }
