// Benchmarks of a Go checkpoint's cost against a real tracekit-server
// ($TRACEKIT_SERVER_BIN):
//
//	go test -run '^$' -bench . -benchtime 2s
//
// Inactive: a checkpoint whose site has no enabled breakpoint (the cost in
// production almost always). Active: an enabled breakpoint with no rate
// limit, so every call encodes, scrubs, bounds and queues a snapshot.
//
// Besides ns/op (wall time) the sequential benchmarks report cpu-ns/op: the
// CPU time of the one OS thread that ran the loop, which does not count
// time spent waiting for a core on a loaded machine.
package benchmarks

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekit"
	"github.com/tracekit-native/tracekit-native/bindings/go/tracekittest"
)

var server *tracekittest.Server

func TestMain(m *testing.M) { tracekittest.Main(m, &server) }

// order is a typical checkpoint payload: a few scalars and a nested map.
var order = map[string]interface{}{
	"order_id": 1234, "total": 99.5, "currency": "EUR",
	"customer": map[string]interface{}{"email": "jane.doe@example.com", "name": "Jane"},
	"items":    []interface{}{map[string]interface{}{"sku": "book", "qty": 2}},
}

func newSDK(b *testing.B, service string) *tracekit.SDK {
	key, err := server.SDKKey(service)
	if err != nil {
		b.Fatal(err)
	}
	sdk, err := tracekit.NewSDK(&tracekit.Config{APIKey: key, ServiceName: service, Endpoint: server.URL,
		EnableCodeMonitoring: true, CodeMonitoringPollInterval: 100 * time.Millisecond,
		MaxCapturesPerSecond: -1, MaxQueue: 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sdk.Shutdown(context.Background()) })
	return sdk
}

//go:noinline
func checkpoint(sdk *tracekit.SDK, ctx context.Context) {
	sdk.CheckAndCaptureWithContext(ctx, "bench", order)
}

// emptyCheckpoint has checkpoint's signature and does nothing: the loop
// and call overhead included in the other figures, and a yardstick for how
// much a loaded machine inflates them.
//
//go:noinline
func emptyCheckpoint(sdk *tracekit.SDK, ctx context.Context) {}

// onOneThread locks the benchmark to its OS thread and returns what to
// call after the loop: it reports that thread's CPU time per iteration.
func onOneThread(b *testing.B) (done func()) {
	runtime.LockOSThread()
	b.ReportAllocs()
	start := threadCPU()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		runtime.UnlockOSThread()
	}
}

func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	var usage syscall.Rusage
	syscall.Getrusage(rusageThread, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func BenchmarkInactiveCheckpoint(b *testing.B) {
	sdk := newSDK(b, tracekittest.UniqueName("go-bench-inactive"))
	ctx := context.Background()
	checkpoint(sdk, ctx) // interns the site
	done := onOneThread(b)
	for i := 0; i < b.N; i++ {
		checkpoint(sdk, ctx)
	}
	done()
}

func BenchmarkEmptyCall(b *testing.B) {
	ctx := context.Background()
	done := onOneThread(b)
	for i := 0; i < b.N; i++ {
		emptyCheckpoint(nil, ctx)
	}
	done()
}

func BenchmarkInactiveCheckpointParallel(b *testing.B) {
	sdk := newSDK(b, tracekittest.UniqueName("go-bench-parallel"))
	ctx := context.Background()
	checkpoint(sdk, ctx)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			checkpoint(sdk, ctx)
		}
	})
}

func BenchmarkActiveCheckpoint(b *testing.B) {
	service := tracekittest.UniqueName("go-bench-active")
	sdk := newSDK(b, service)
	ctx := context.Background()
	checkpoint(sdk, ctx)
	var id string
	if !tracekittest.WaitFor(5*time.Second, func() bool {
		listed, _ := server.Breakpoints(service)
		if len(listed) == 1 {
			id = listed[0].ID
		}
		return id != ""
	}) {
		b.Fatal("the checkpoint was not registered")
	}
	if err := server.UpdateBreakpoint(id, map[string]interface{}{"enabled": true}); err != nil {
		b.Fatal(err)
	}
	if !tracekittest.WaitFor(5*time.Second, func() bool {
		checkpoint(sdk, ctx)
		stats, _ := sdk.Stats()
		return stats["captured"] != nil && stats["captured"].(float64) > 0
	}) {
		b.Fatal("the breakpoint did not become active")
	}
	done := onOneThread(b)
	for i := 0; i < b.N; i++ {
		checkpoint(sdk, ctx)
	}
	done()
	stats, _ := sdk.Stats()
	b.ReportMetric(stats["captured"].(float64), "captured")
}
