package tracekit

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekittest"
)

// server is one real tracekit-server for the package's tests; each test
// uses its own service (and SDK key).
var server *tracekittest.Server

func TestMain(m *testing.M) { tracekittest.Main(m, &server) }

// newSDK is NewSDK against the test server with fast breakpoint sync; the
// SDK is shut down when the test ends.
func newSDK(t *testing.T, service string, adjust ...func(*Config)) *SDK {
	t.Helper()
	key, err := server.SDKKey(service)
	if err != nil {
		t.Fatal(err)
	}
	config := &Config{APIKey: key, ServiceName: service, Endpoint: server.URL, EnableCodeMonitoring: true,
		CodeMonitoringPollInterval: 100 * time.Millisecond}
	for _, change := range adjust {
		change(config)
	}
	sdk, err := NewSDK(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdk.Shutdown(context.Background()) })
	return sdk
}

// line is the line it is called from.
func line() int {
	_, _, at, _ := runtime.Caller(1)
	return at
}

// registered waits until the server lists the auto-registered breakpoint of
// label and returns it.
func registered(t *testing.T, service, label string) tracekittest.Breakpoint {
	t.Helper()
	var found tracekittest.Breakpoint
	if !tracekittest.WaitFor(5*time.Second, func() bool {
		breakpoints, err := server.Breakpoints(service)
		for _, breakpoint := range breakpoints {
			if breakpoint.Label == label {
				found = breakpoint
			}
		}
		return err == nil && found.ID != ""
	}) {
		t.Fatalf("checkpoint %q was not registered", label)
	}
	return found
}

// cachedSites are the SDK's cached sites of label: one per call site in
// the compiled code (an inlined function has one per place it is inlined).
func cachedSites(t *testing.T, sdk *SDK, label string) []*site {
	t.Helper()
	var found []*site
	for _, entry := range sdk.current().sites.sites() {
		if entry.label == label {
			found = append(found, entry)
		}
	}
	if len(found) == 0 {
		t.Fatalf("no cached site for %q", label)
	}
	return found
}

// active reports whether every cached site of label is active.
func active(t *testing.T, sdk *SDK, label string) func() bool {
	sites := cachedSites(t, sdk, label)
	return func() bool {
		for _, site := range sites {
			if !site.isActive() {
				return false
			}
		}
		return true
	}
}

// enable enables a breakpoint and waits until the sites of label are active.
func enable(t *testing.T, sdk *SDK, breakpoint tracekittest.Breakpoint, label string) {
	t.Helper()
	if err := server.UpdateBreakpoint(breakpoint.ID, map[string]interface{}{"enabled": true}); err != nil {
		t.Fatal(err)
	}
	if !tracekittest.WaitFor(3*time.Second, active(t, sdk, label)) {
		t.Fatal("the breakpoint did not become active within 3 s")
	}
}

// snapshots waits until the server has want snapshots of service (not
// more) and returns them, newest first.
func snapshots(t *testing.T, service string, want int) []map[string]interface{} {
	t.Helper()
	var listed []map[string]interface{}
	tracekittest.WaitFor(5*time.Second, func() bool {
		var err error
		listed, err = server.Snapshots(service)
		return err == nil && len(listed) >= want
	})
	if len(listed) != want {
		t.Fatalf("%d snapshots of %s, want %d", len(listed), service, want)
	}
	return listed
}
