package tracekit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekittest"
)

// fanOut is one checkpoint that many goroutines hit at once.
func fanOut(sdk *SDK, worker int) error {
	return sdk.CaptureSnapshot(context.Background(), "fan-out", map[string]interface{}{"worker": worker})
}

func TestManyGoroutinesShareOneSiteAndEveryCaptureArrives(t *testing.T) {
	service := tracekittest.UniqueName("go-fan-out")
	sdk := newSDK(t, service, func(config *Config) { config.MaxCapturesPerSecond = -1 })
	fanOut(sdk, -1)
	enable(t, sdk, registered(t, service, "fan-out"), "fan-out")

	const goroutines, hits = 32, 10
	var wg sync.WaitGroup
	var failures atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for i := 0; i < hits; i++ {
				if fanOut(sdk, worker) != nil {
					failures.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d captures failed", failures.Load())
	}
	if err := sdk.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	stats, _ := sdk.Stats()
	if stats["sites"] != float64(1) {
		t.Errorf("%v sites in the library, want 1", stats["sites"])
	}
	for _, site := range cachedSites(t, sdk, "fan-out") {
		if site.handle != cachedSites(t, sdk, "fan-out")[0].handle {
			t.Error("the Go call sites of one checkpoint have different library sites")
		}
	}
	if stats["captured"] != float64(goroutines*hits) || stats["sent"] != float64(goroutines*hits) {
		t.Errorf("captured %v, sent %v, want %d", stats["captured"], stats["sent"], goroutines*hits)
	}
	snapshots(t, service, goroutines*hits)
}

func TestShutdownWhileGoroutinesCapture(t *testing.T) {
	service := tracekittest.UniqueName("go-shutdown")
	sdk := newSDK(t, service, func(config *Config) { config.MaxCapturesPerSecond = -1 })
	fanOut(sdk, -1)
	enable(t, sdk, registered(t, service, "fan-out"), "fan-out")

	var wg sync.WaitGroup
	var stop atomic.Bool
	unexpected := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for !stop.Load() {
				err := fanOut(sdk, worker)
				if err != nil && !errors.Is(err, ErrShutDown) && !errors.Is(err, ErrQueueFull) {
					unexpected <- err
					return
				}
			}
		}(g)
	}
	time.Sleep(100 * time.Millisecond)
	shutdowns := make(chan error, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for i := 0; i < 2; i++ { // two at once: both return, neither fails
		go func() { shutdowns <- sdk.Shutdown(ctx) }()
	}
	for i := 0; i < 2; i++ {
		// The captures outrun the sender: what is still queued after the
		// deadline is dropped, and Shutdown says so.
		if err := <-shutdowns; err != nil && !errors.Is(err, ErrTimeout) {
			t.Errorf("Shutdown: %v", err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(unexpected)
	for err := range unexpected {
		t.Errorf("a capture during Shutdown: %v", err)
	}
	if err := fanOut(sdk, 0); !errors.Is(err, ErrShutDown) {
		t.Errorf("after Shutdown: %v", err)
	}
}
