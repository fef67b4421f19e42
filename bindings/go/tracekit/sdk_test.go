package tracekit

import (
	"bytes"
	"context"
	"errors"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekittest"
)

const traceparentHeader = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// checkoutLine is the line of checkout's checkpoint.
var checkoutLine int

// checkout is the application code of these tests: one checkpoint with
// PII, a cycle and values JSON cannot hold.
func checkout(ctx context.Context, sdk *SDK, card string) {
	cart := map[string]interface{}{"items": []string{"book", "pen"}, "total": 42.5}
	cart["self"] = cart
	checkoutLine = line() + 1
	sdk.CheckAndCaptureWithContext(ctx, "order-checkout", map[string]interface{}{
		"email": "jane.doe@example.com", "card_number": card, "password": "hunter2", "cart": cart,
		"notify": make(chan int), "callback": func() {}, "ratio": math.NaN(), "amount": 42,
	})
}

func TestNewSDKNeedsAKeyAServiceAndValidSettings(t *testing.T) {
	cases := map[string]*Config{
		"config is required":      nil,
		"APIKey is required":      {ServiceName: "svc"},
		"ServiceName is required": {APIKey: "tk_secret_key_123"},
		"endpoint":                {APIKey: "tk_secret_key_123", ServiceName: "svc", Endpoint: "ftp://example.com"},
		"service_name":            {APIKey: "tk_secret_key_123", ServiceName: "bad name/with spaces"},
	}
	for message, config := range cases {
		_, err := NewSDK(config)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), message) {
			t.Errorf("%s: got %v", message, err)
		}
		if err != nil && strings.Contains(err.Error(), "tk_secret_key_123") {
			t.Errorf("the API key appears in %q", err)
		}
	}
	_, err := NewSDK(&Config{APIKey: "k", ServiceName: "svc", PIIPatterns: []PIIPattern{{Name: "order", Pattern: "(unclosed"}}})
	if !errors.Is(err, ErrInvalidPattern) || !strings.Contains(err.Error(), "order") {
		t.Errorf("bad PII pattern: got %v", err)
	}
}

func TestWithoutCodeMonitoringCheckpointsDoNothing(t *testing.T) {
	sdk, err := NewSDK(&Config{APIKey: "k", ServiceName: "svc", Endpoint: server.URL})
	if err != nil {
		t.Fatal(err)
	}
	checkout(context.Background(), sdk, "4111 1111 1111 1111")
	if err := sdk.CaptureSnapshot(context.Background(), "x", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("CaptureSnapshot: %v", err)
	}
	if err := sdk.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	var none *SDK
	checkout(context.Background(), none, "4111 1111 1111 1111") // a nil *SDK does nothing either
	if err := none.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestFirstCheckpointRegistersTheCallSiteAndCapturesNothing(t *testing.T) {
	service := tracekittest.UniqueName("go-register")
	sdk := newSDK(t, service)
	checkout(context.Background(), sdk, "4111 1111 1111 1111")

	breakpoint := registered(t, service, "order-checkout")
	if breakpoint.Enabled {
		t.Error("an auto-registered breakpoint must start disabled")
	}
	if breakpoint.FunctionName != "github.com/tracekit-native/tracekit-native/bindings/go/tracekit.checkout" {
		t.Errorf("function %q", breakpoint.FunctionName)
	}
	if filepath.Base(breakpoint.FilePath) != "sdk_test.go" || !filepath.IsAbs(breakpoint.FilePath) {
		t.Errorf("file %q", breakpoint.FilePath)
	}
	if breakpoint.LineNumber != checkoutLine {
		t.Errorf("line %d, want %d", breakpoint.LineNumber, checkoutLine)
	}
	checkout(context.Background(), sdk, "4111 1111 1111 1111")
	if err := sdk.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	snapshots(t, service, 0)
}

func TestAnInactiveCheckpointStaysInGoAndDoesNotAllocate(t *testing.T) {
	sdk := newSDK(t, tracekittest.UniqueName("go-inactive"))
	variables := map[string]interface{}{"n": 1}
	checkpoint := func() { sdk.CheckAndCaptureWithContext(context.Background(), "hot-loop", variables) }
	testing.AllocsPerRun(1, checkpoint) // the first hit interns the site (one cgo call)
	before := sdk.current().slowPath.Load()
	allocations := testing.AllocsPerRun(1000, checkpoint)
	if after := sdk.current().slowPath.Load(); after != before {
		t.Errorf("%d of 1000 inactive checkpoints left the fast path", after-before)
	}
	if allocations != 0 {
		t.Errorf("%.1f allocations per inactive checkpoint", allocations)
	}
}

func TestCaptureIsScrubbedAndCarriesRequestAndStack(t *testing.T) {
	service := tracekittest.UniqueName("go-capture")
	sdk := newSDK(t, service)
	app := httptest.NewServer(sdk.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checkout(r.Context(), sdk, "4111 1111 1111 1111")
	}), "checkout"))
	defer app.Close()
	order := func() {
		request, _ := http.NewRequest("POST", app.URL+"/checkout?step=pay", nil)
		request.Header.Set("Authorization", "Bearer secret-token")
		request.Header.Set("Cookie", "session=abc")
		request.Header.Set("Traceparent", traceparentHeader)
		request.Header.Set("User-Agent", "go-test")
		response, err := http.DefaultClient.Do(request)
		if err != nil {
			t.Fatal(err)
		}
		response.Body.Close()
	}
	order()
	enable(t, sdk, registered(t, service, "order-checkout"), "order-checkout")
	order()
	if err := sdk.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	snapshot := snapshots(t, service, 1)[0]

	if snapshot["label"] != "order-checkout" || snapshot["line_number"] != float64(checkoutLine) {
		t.Errorf("site: %v line %v", snapshot["label"], snapshot["line_number"])
	}
	variables := snapshot["variables"].(map[string]interface{})
	want := map[string]interface{}{
		"email": "[REDACTED:email]", "card_number": "[REDACTED:credit_card]", "password": "[REDACTED:sensitive_name]",
		"notify": "[UNSERIALIZABLE:chan int]", "callback": "[UNSERIALIZABLE:func()]", "ratio": "NaN", "amount": float64(42),
	}
	for key, value := range want {
		if variables[key] != value {
			t.Errorf("variables.%s = %#v, want %#v", key, variables[key], value)
		}
	}
	if cart := variables["cart"].(map[string]interface{}); cart["self"] != "[CIRCULAR]" || cart["total"] != 42.5 {
		t.Errorf("cart: %v", cart)
	}
	request := snapshot["request_context"].(map[string]interface{})
	if request["method"] != "POST" || request["path"] != "/checkout" || request["query"] != "step=pay" ||
		request["url"] != app.URL+"/checkout?step=pay" || request["remote_addr"] != "127.0.0.1" || request["user_agent"] != "go-test" {
		t.Errorf("request context: %v", request)
	}
	headers := request["headers"].(map[string]interface{})
	if headers["authorization"] != redacted || headers["cookie"] != redacted || headers["traceparent"] != traceparentHeader {
		t.Errorf("headers: %v", headers)
	}
	if snapshot["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || snapshot["span_id"] != "00f067aa0ba902b7" {
		t.Errorf("trace ids: %v %v", snapshot["trace_id"], snapshot["span_id"])
	}
	if stack, _ := snapshot["stack_trace"].(string); !strings.Contains(stack, "tracekit.checkout") {
		t.Errorf("stack trace does not start at checkout: %.300v", snapshot["stack_trace"])
	}
}

func TestKillSwitchStopsCapturesUntilLifted(t *testing.T) {
	service := tracekittest.UniqueName("go-kill")
	sdk := newSDK(t, service)
	ctx := context.Background()
	checkout(ctx, sdk, "4111 1111 1111 1111")
	enable(t, sdk, registered(t, service, "order-checkout"), "order-checkout")
	checkout(ctx, sdk, "4111 1111 1111 1111")
	sdk.Flush(ctx)
	snapshots(t, service, 1)

	if err := server.SetKillSwitch(service, true); err != nil {
		t.Fatal(err)
	}
	isActive := active(t, sdk, "order-checkout")
	if !tracekittest.WaitFor(3*time.Second, func() bool { return !isActive() }) {
		t.Fatal("the kill switch did not reach the SDK within 3 s")
	}
	for i := 0; i < 5; i++ {
		checkout(ctx, sdk, "4111 1111 1111 1111")
	}
	sdk.Flush(ctx)
	snapshots(t, service, 1)
	if stats, _ := sdk.Stats(); stats["kill_switch"] != true || stats["captured"] != float64(1) {
		t.Errorf("stats: kill_switch %v, captured %v", stats["kill_switch"], stats["captured"])
	}

	if err := server.SetKillSwitch(service, false); err != nil {
		t.Fatal(err)
	}
	if !tracekittest.WaitFor(3*time.Second, isActive) {
		t.Fatal("lifting the kill switch did not reach the SDK within 3 s")
	}
	checkout(ctx, sdk, "4111 1111 1111 1111")
	sdk.Flush(ctx)
	snapshots(t, service, 2)
}

func TestCaptureSnapshotReportsWhatCheckpointsOnlyLog(t *testing.T) {
	sdk := newSDK(t, tracekittest.UniqueName("go-errors"))
	ctx := context.Background()
	if err := sdk.CaptureSnapshot(ctx, "with\x00nul", nil); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("label with NUL: %v", err)
	}
	if err := sdk.CaptureSnapshot(ctx, "fine", map[string]interface{}{"x": 1}); err != nil {
		t.Errorf("inactive capture: %v", err)
	}
	if err := sdk.CaptureSnapshot(panickingContext{ctx}, "", nil); err != nil {
		t.Errorf("an inactive site does not read the context: %v", err)
	}
	freed := sdk.current().freed
	if err := sdk.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-freed:
	default:
		t.Error("Shutdown returned before the library's client was freed")
	}
	if err := sdk.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := sdk.CaptureSnapshot(ctx, "after", nil); !errors.Is(err, ErrShutDown) {
		t.Errorf("after Shutdown: %v", err)
	}
	if err := sdk.Flush(ctx); !errors.Is(err, ErrShutDown) {
		t.Errorf("Flush after Shutdown: %v", err)
	}
	if _, err := sdk.Stats(); !errors.Is(err, ErrShutDown) {
		t.Errorf("Stats after Shutdown: %v", err)
	}
	checkout(ctx, sdk, "4111 1111 1111 1111") // logs nothing, panics not
}

func TestAnSDKDroppedWithoutShutdownIsFreedByTheGarbageCollector(t *testing.T) {
	key, err := server.SDKKey("go-dropped")
	if err != nil {
		t.Fatal(err)
	}
	sdk, err := NewSDK(&Config{APIKey: key, ServiceName: "go-dropped", Endpoint: server.URL, EnableCodeMonitoring: true})
	if err != nil {
		t.Fatal(err)
	}
	sdk.CheckAndCaptureWithContext(context.Background(), "dropped", nil)
	freed := sdk.current().freed
	sdk = nil
	if err := waitUntilFreed(freed, time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestABrokenCheckpointLogsAtMostOneLinePerInterval(t *testing.T) {
	var output bytes.Buffer
	log.SetOutput(&output)
	defer log.SetOutput(os.Stderr)
	sdk := newSDK(t, tracekittest.UniqueName("go-log"))
	for i := 0; i < 100; i++ {
		sdk.CheckAndCaptureWithContext(context.Background(), "bad\x00label", nil)
	}
	if lines := strings.Count(output.String(), "label must not contain NUL bytes"); lines != 1 {
		t.Errorf("%d log lines for 100 broken checkpoints:\n%s", lines, output.String())
	}
}

// panickingContext is a context.Context whose Value panics.
type panickingContext struct{ context.Context }

func (panickingContext) Value(interface{}) interface{} { panic("context exploded") }

func TestAPanicDuringACaptureIsRecovered(t *testing.T) {
	service := tracekittest.UniqueName("go-panic")
	sdk := newSDK(t, service)
	capture := func(ctx context.Context) error {
		return sdk.CaptureSnapshot(ctx, "fragile", map[string]interface{}{"n": 1})
	}
	capture(context.Background())
	enable(t, sdk, registered(t, service, "fragile"), "fragile")
	err := capture(panickingContext{context.Background()})
	if err == nil || !strings.Contains(err.Error(), "recovered from a panic: context exploded") {
		t.Fatalf("got %v", err)
	}
	if err := capture(context.Background()); err != nil {
		t.Fatalf("the next capture: %v", err)
	}
}
