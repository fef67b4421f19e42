// Package tracekit is TraceKit code monitoring for Go on libtracekit, the
// TraceKit Native engine: checkpoints capture variables, stack and request
// context when a breakpoint is enabled on the server, scrubbed of PII and
// bounded before anything leaves the process. The API follows the official
// Go SDK (github.com/Tracekit-Dev/go-sdk): NewSDK, CheckAndCaptureWithContext,
// Shutdown.
//
// An inactive checkpoint costs a few nanoseconds and makes no cgo call: the
// call site is found by its program counter in a lock-free cache and the
// library's active flag for it is read with one atomic load. Checkpoints
// never wait on the network and never panic.
package tracekit

/*
#include <tracekit.h>
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// SDK is a TraceKit client. All methods are safe for concurrent use, also
// on a nil *SDK (they do nothing).
type SDK struct {
	// The *client while code monitoring runs; nil when it is off or after
	// Shutdown. Read atomically: Shutdown clears it while checkpoints run.
	client     unsafe.Pointer
	monitoring bool
	shutdown   sync.Once
}

// client owns the library's tk_client. Shutdown stops it
// (tk_client_shutdown); its memory, and that of every site's active flag,
// is released only once the client is unreachable (a finalizer calls
// tk_client_free): checkpoints keep it reachable while they use a site
// (runtime.KeepAlive), so none ever reads freed memory.
type client struct {
	handle *C.tk_client
	sites  siteTable
	closed atomic.Bool   // Shutdown began: captures stop calling in
	freed  chan struct{} // closed once tk_client_free returned
	// Checkpoints that went past the inactive fast path (tests use it).
	slowPath atomic.Int64
	// When a checkpoint last logged a problem (Unix ns): at most one line
	// every logInterval, however often a broken checkpoint runs.
	lastLog atomic.Int64
}

// defaultTimeout bounds Shutdown and Flush when ctx has no deadline.
const defaultTimeout = 5 * time.Second

// NewSDK creates the SDK. With EnableCodeMonitoring it starts the library's
// client, which syncs breakpoints in the background (an immediate poll,
// then SSE when the server offers it). Returns an *Error for a missing or
// invalid setting (the message names it; the API key never appears).
func NewSDK(config *Config) (*SDK, error) {
	switch {
	case config == nil:
		return nil, newError("NewSDK", codeInvalidArgument, "config is required")
	case config.APIKey == "":
		return nil, newError("NewSDK", codeInvalidArgument, "APIKey is required")
	case config.ServiceName == "":
		return nil, newError("NewSDK", codeInvalidArgument, "ServiceName is required")
	}
	if err := checkLibraryVersion(); err != nil {
		return nil, err
	}
	sdk := &SDK{monitoring: config.EnableCodeMonitoring}
	options, err := newOptions(config)
	if err != nil {
		return nil, err
	}
	defer C.tk_options_free(options)
	if !config.EnableCodeMonitoring {
		return sdk, nil // options validated, nothing started
	}
	handle, err := callPointer("NewSDK", func() *C.tk_client { return C.tk_client_new(options) })
	if err != nil {
		return nil, err
	}
	c := &client{handle: handle, freed: make(chan struct{})}
	runtime.SetFinalizer(c, (*client).release)
	atomic.StorePointer(&sdk.client, unsafe.Pointer(c))
	return sdk, nil
}

// current is the running client, or nil.
func (s *SDK) current() *client { return (*client)(atomic.LoadPointer(&s.client)) }

// release is the client's finalizer. tk_client_free shuts the client down
// first if Shutdown did not (sending what is left, joining the library's
// threads): not on the finalizer goroutine.
func (c *client) release() {
	handle, freed := c.handle, c.freed
	go func() {
		C.tk_client_free(handle)
		close(freed)
	}()
}

// Shutdown sends what is queued, stops the library's threads and releases
// the client, within ctx's deadline (5 s without one). Later checkpoints do
// nothing; Flush, Stats and CaptureSnapshot return ErrShutDown. Safe to
// call more than once (later calls wait for the first) and while other
// goroutines capture. ErrTimeout: snapshots were still queued when the
// library's capture timeout passed (they are dropped and counted), or the
// shutdown was not finished at ctx's deadline (it completes in the
// background).
func (s *SDK) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var err error
	s.shutdown.Do(func() {
		c := s.current()
		if c == nil {
			return
		}
		deadline := time.Now().Add(timeoutFrom(ctx))
		c.closed.Store(true)
		err = c.stop(deadline)
		freed := c.freed
		atomic.StorePointer(&s.client, nil)
		c = nil // from here on only checkpoints still running hold it
		if waitErr := waitUntilFreed(freed, deadline); err == nil {
			err = waitErr
		}
	})
	return err
}

// stop runs tk_client_shutdown (flush for at most the capture timeout, then
// join the library's threads) and waits for it until deadline.
func (c *client) stop(deadline time.Time) error {
	stopped := make(chan error, 1)
	go func() { stopped <- call("Shutdown", func() C.tk_status { return C.tk_client_shutdown(c.handle) }) }()
	select {
	case err := <-stopped:
		return err
	case <-time.After(time.Until(deadline)):
		return newError("Shutdown", codeTimeout, "the client was still stopping at the deadline")
	}
}

// waitUntilFreed runs the garbage collector until the client's finalizer
// has run and tk_client_free returned, or the deadline passes.
func waitUntilFreed(freed <-chan struct{}, deadline time.Time) error {
	for {
		runtime.GC()
		select {
		case <-freed:
			return nil
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return newError("Shutdown", codeTimeout, "the client was still stopping at the deadline")
		}
	}
}

func (c *client) flush(timeout time.Duration) error {
	ms := timeout.Milliseconds()
	if ms < 0 {
		ms = 0
	}
	return call("Flush", func() C.tk_status { return C.tk_client_flush(c.handle, C.int64_t(ms)) })
}

// Flush waits until the snapshots captured so far are sent, at most until
// ctx's deadline (5 s without one). ErrTimeout if some were still queued.
func (s *SDK) Flush(ctx context.Context) error {
	c, err := s.open("Flush")
	if err != nil {
		return err
	}
	defer runtime.KeepAlive(c)
	return c.flush(timeoutFrom(ctx))
}

// Stats returns the library's counters: captured, sent, failed,
// dropped_*, suppressed_* (kill switch, rate limit, ...), redactions,
// kill_switch, circuit_state, sites and more (see tracekit.h).
func (s *SDK) Stats() (map[string]interface{}, error) {
	c, err := s.open("Stats")
	if err != nil {
		return nil, err
	}
	defer runtime.KeepAlive(c)
	text, ok := takeString(C.tk_client_stats(c.handle))
	if !ok {
		return nil, newError("Stats", codeInternal, "")
	}
	stats := map[string]interface{}{}
	if err := json.Unmarshal([]byte(text), &stats); err != nil {
		return nil, newError("Stats", codeInternal, "the library's stats are not JSON: "+err.Error())
	}
	return stats, nil
}

// open returns the running client, or why there is none.
func (s *SDK) open(op string) (*client, error) {
	if s == nil || !s.monitoring {
		return nil, newError(op, codeInvalidArgument, "code monitoring is not enabled")
	}
	c := s.current()
	if c == nil || c.closed.Load() {
		return nil, newError(op, codeShutDown, "")
	}
	return c, nil
}

func timeoutFrom(ctx context.Context) time.Duration {
	if ctx != nil {
		if deadline, ok := ctx.Deadline(); ok {
			return time.Until(deadline)
		}
	}
	return defaultTimeout
}
