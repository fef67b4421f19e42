package tracekit

/*
#include <stdlib.h>
#include <tracekit.h>
*/
import "C"

import (
	"context"
	"fmt"
	"log"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tracekit-native/tracekit-native/bindings/go/internal/callsite"
)

// CheckAndCaptureWithContext is a checkpoint. When a breakpoint is enabled
// for this call site on the server (matched by function and label, else by
// file and line), it captures variables with the caller's file, line and
// function, the goroutine's stack and, if ctx carries one (see
// HTTPMiddleware), the HTTP request and its trace ids. The library scrubs
// and bounds them and sends them in the background: this returns at once.
//
// label is a stable name for the checkpoint; "" uses the function's name,
// as the official SDK does. The first call at a site registers it with the
// server. Values that JSON cannot hold (channels, funcs, cycles, NaN)
// become placeholders. Problems are logged, never returned or panicked:
// use CaptureSnapshot to get them as an error.
//
// Call it directly (not through a method value or interface): the call
// site is its caller.
//
//go:noinline
func (s *SDK) CheckAndCaptureWithContext(ctx context.Context, label string, variables map[string]interface{}) {
	pc := callsite.CallerPC()
	if s == nil {
		return
	}
	c := s.current()
	if c == nil {
		return
	}
	// c.inactive's first probe, written out: a call costs as much as the rest.
	if table := c.sites.table(); len(table) > 0 {
		site := (*site)(atomic.LoadPointer(&table[slotOf(pc, len(table)-1)]))
		if site != nil && site.pc == pc && site.label == label && atomic.LoadInt32(site.active) == 0 {
			runtime.KeepAlive(c) // the flag is the client's memory
			return
		}
	}
	if !c.inactive(pc, label) {
		c.checkpointAndLog(ctx, pc, label, variables)
	}
}

// CaptureSnapshot is CheckAndCaptureWithContext returning what went wrong:
// nil when captured or skipped by design (no enabled breakpoint, kill
// switch, rate limit...; Stats says why), ErrQueueFull when captured but
// dropped, ErrShutDown after Shutdown, ErrInvalidArgument for a label with
// a NUL byte, ErrInvalidArgument too when code monitoring is off.
//
//go:noinline
func (s *SDK) CaptureSnapshot(ctx context.Context, label string, variables map[string]interface{}) error {
	pc := callsite.CallerPC()
	c, err := s.open("CaptureSnapshot")
	if err != nil || c.inactive(pc, label) {
		return err
	}
	return c.checkpoint(ctx, pc, label, variables)
}

// inactive reports whether (pc, label) is a cached site whose breakpoint
// is off: the whole of an inactive checkpoint, one atomic load of the
// library's flag.
func (c *client) inactive(pc uintptr, label string) bool {
	site := c.sites.lookup(pc, label)
	off := site != nil && !site.isActive()
	runtime.KeepAlive(c) // the flag is the client's memory
	return off
}

// logInterval: a checkpoint logs at most one problem this often.
const logInterval = 10 * time.Second

// checkpointAndLog is checkpoint for CheckAndCaptureWithContext, which
// reports nothing: problems are logged, at most one line per logInterval
// (not shutdown or a full queue, which the stats count).
//
//go:noinline
func (c *client) checkpointAndLog(ctx context.Context, pc uintptr, label string, variables map[string]interface{}) {
	err := c.checkpoint(ctx, pc, label, variables)
	if err == nil || isQuiet(err) {
		return
	}
	now, last := time.Now().UnixNano(), c.lastLog.Load()
	if now-last >= int64(logInterval) && c.lastLog.CompareAndSwap(last, now) {
		log.Printf("%v", err)
	}
}

// isQuiet: errors a checkpoint does not log (the stats count them).
func isQuiet(err error) bool {
	e, ok := err.(*Error)
	return ok && (e.Code == codeShutDown || e.Code == codeQueueFull)
}

// checkpoint is everything past the inactive fast path: a new site, or an
// active one. It recovers from any panic and reports it as an error.
func (c *client) checkpoint(ctx context.Context, pc uintptr, label string, variables map[string]interface{}) (err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = newError("CaptureSnapshot", codeInternal, fmt.Sprintf("recovered from a panic: %v", recovered))
		}
	}()
	defer runtime.KeepAlive(c)
	c.slowPath.Add(1)
	if c.closed.Load() {
		return newError("CaptureSnapshot", codeShutDown, "")
	}
	site, err := c.site(pc, label)
	if err != nil {
		return err
	}
	if !site.isActive() {
		// Lets the library register the site with the server; it never
		// captures, even if a breakpoint has arrived since the check.
		return call("CaptureSnapshot", func() C.tk_status { return C.tk_site_register(site.handle) })
	}
	return siteCapture(site, encodeVariables(variables), captureContext(ctx, pc))
}

// site returns the cached site of (pc, label), or interns a new one with the
// library, with the caller's file, line and function.
func (c *client) site(pc uintptr, label string) (*site, error) {
	if cached := c.sites.lookup(pc, label); cached != nil {
		return cached, nil
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	if label == "" {
		label = frame.Function[strings.LastIndexByte(frame.Function, '.')+1:]
	}
	if label == "" {
		label = "checkpoint"
	}
	handle, err := c.intern(label, frame.File, clampInt32(frame.Line), frame.Function)
	if err != nil {
		return nil, err
	}
	return c.sites.insert(newSite(pc, label, handle)), nil
}

func (c *client) intern(label, file string, line int32, function string) (*C.tk_site, error) {
	cLabel, err := cString("label", label)
	if err != nil {
		err.Op = "CaptureSnapshot"
		return nil, err
	}
	defer C.free(unsafe.Pointer(cLabel))
	cFile, cFunction := C.CString(strings.ReplaceAll(file, "\x00", "")), C.CString(strings.ReplaceAll(function, "\x00", ""))
	defer C.free(unsafe.Pointer(cFile))
	defer C.free(unsafe.Pointer(cFunction))
	return callPointer("CaptureSnapshot", func() *C.tk_site {
		return C.tk_site_get(c.handle, cLabel, cFile, C.int32_t(line), cFunction)
	})
}

// siteCapture passes Go memory to the library for the duration of the call
// (no Go pointers inside: allowed by the cgo rules); context must be
// NUL-terminated or nil.
func siteCapture(site *site, variables, context []byte) error {
	var contextPointer *C.char
	if context != nil {
		contextPointer = (*C.char)(unsafe.Pointer(&context[0]))
	}
	return call("CaptureSnapshot", func() C.tk_status {
		return C.tk_site_capture(site.handle, (*C.char)(unsafe.Pointer(&variables[0])), C.size_t(len(variables)), contextPointer)
	})
}
