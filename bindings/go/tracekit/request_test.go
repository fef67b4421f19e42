package tracekit

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMiddlewarePutsTheRequestIntoTheContext(t *testing.T) {
	var seen *http.Request
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = r.Context().Value(requestKey{}).(*http.Request)
	})
	var sdk *SDK // the official SDK's method forms need no running SDK
	for name, handler := range map[string]http.Handler{
		"Middleware": Middleware(app), "HTTPHandler": sdk.HTTPHandler(app, "cart"), "HTTPMiddleware": sdk.HTTPMiddleware("cart")(app),
	} {
		seen = nil
		request := httptest.NewRequest("GET", "/cart?id=7", nil)
		handler.ServeHTTP(httptest.NewRecorder(), request)
		if seen != request {
			t.Errorf("%s: the handler's context does not carry the request", name)
		}
	}
}

func TestRequestContextDescribesTheRequestWithoutSecrets(t *testing.T) {
	request := httptest.NewRequest("PUT", "https://api.example/cart/7?coupon=x", nil)
	request.TLS = &tls.ConnectionState{}
	request.RemoteAddr = "[2001:db8::1]:51000"
	request.Header.Set("X-Api-Key", "tk_live_secret")
	request.Header.Set("X-Session-Id", "abc")
	request.Header.Set("Proxy-Authorization", "Basic xyz")
	request.Header.Add("Accept", "text/html")
	request.Header.Add("Accept", "application/json")
	request.Header.Set("User-Agent", "curl/8")
	request.Header.Set("X-Long", strings.Repeat("v", 3000))

	got := requestContext(request)
	if got.Method != "PUT" || got.Path != "/cart/7" || got.Query != "coupon=x" || got.URL != "https://api.example/cart/7?coupon=x" ||
		got.RemoteAddr != "2001:db8::1" || got.UserAgent != "curl/8" {
		t.Errorf("request context: %+v", got)
	}
	for _, name := range []string{"x-api-key", "x-session-id", "proxy-authorization"} {
		if got.Headers[name] != redacted {
			t.Errorf("%s: %q", name, got.Headers[name])
		}
	}
	if got.Headers["accept"] != "text/html, application/json" || got.Headers["host"] != "api.example" {
		t.Errorf("headers: %v", got.Headers)
	}
	if long := got.Headers["x-long"]; !strings.HasSuffix(long, "[TRUNCATED:3000 bytes]") || len(long) > maxHeaderValue+32 {
		t.Errorf("a long header is not bounded: %d bytes", len(long))
	}
}

func TestHeadersAreBoundedInNumber(t *testing.T) {
	request := httptest.NewRequest("GET", "/", nil)
	for i := 0; i < 100; i++ {
		request.Header.Set(fmt.Sprintf("X-H%03d", i), "v")
	}
	headers := requestContext(request).Headers
	if len(headers) != maxHeaders+1 || headers["_truncated"] != "true" {
		t.Errorf("%d headers, _truncated %q", len(headers), headers["_truncated"])
	}
}

func TestTraceIDsComeFromAValidTraceparentOnly(t *testing.T) {
	cases := map[string][2]string{
		traceparentHeader: {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		" 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01 ": {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01":   {},
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01":   {},
		"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01":    {},
		"garbage": {}, "": {},
	}
	for header, want := range cases {
		if traceID, spanID := parseTraceparent(header); traceID != want[0] || spanID != want[1] {
			t.Errorf("%q: got %q %q", header, traceID, spanID)
		}
	}
}

func TestCaptureContextIsNULTerminatedJSONWithTheStack(t *testing.T) {
	request := httptest.NewRequest("GET", "/x", nil)
	request.Header.Set("traceparent", traceparentHeader)
	text := captureContext(ContextWithRequest(context.Background(), request), 0)
	if len(text) == 0 || text[len(text)-1] != 0 {
		t.Fatal("not NUL-terminated")
	}
	var parsed captureContextJSON
	if err := json.Unmarshal(text[:len(text)-1], &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.Request == nil || parsed.Request.Path != "/x" || parsed.TraceID == "" || len(parsed.StackTrace) == 0 {
		t.Errorf("context: %+v", parsed)
	}
	if plain := captureContext(context.Background(), 0); strings.Contains(string(plain), `"request"`) {
		t.Errorf("a context without a request has request context: %s", plain)
	}
}
