package tracekit

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Request context for checkpoints: the middleware keeps the *http.Request
// in the request's context.Context, and a checkpoint given that ctx turns
// it into the snapshot's request context — only when it captures, so a
// request costs one context.WithValue.
//
// The request context carries method, path, url, remote_addr, user_agent,
// query and headers. Sensitive headers (Authorization, Cookie, Set-Cookie,
// X-API-Key, Proxy-Authorization, and any whose name says token, secret,
// password, api key, session, credential or auth) are redacted here and
// again by the library; header count and sizes are bounded. trace_id and
// span_id come from a W3C traceparent request header.

type requestKey struct{}

const (
	redacted       = "[REDACTED:sensitive_name]"
	maxHeaders     = 64
	maxHeaderValue = 2048
	maxStackFrames = 64
)

var (
	sensitiveHeaders = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true,
		"set-cookie": true, "x-api-key": true}
	sensitiveWords = regexp.MustCompile(`(?i)token|secret|passw|api[-_]?key|session|credential|auth`)
	traceparent    = regexp.MustCompile(`^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$`)
)

// ContextWithRequest returns ctx carrying r for checkpoints: what the
// middleware does, for routers that build their own handlers (gin, echo:
// ContextWithRequest(c.Request.Context(), c.Request)).
func ContextWithRequest(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// Middleware wraps a handler so that checkpoints given the request's
// context (r.Context()) carry the request.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(ContextWithRequest(r.Context(), r)))
	})
}

// HTTPHandler is Middleware(handler), with the official SDK's signature
// (operation named its tracing span there; it is not used here).
func (s *SDK) HTTPHandler(handler http.Handler, operation string) http.Handler {
	return Middleware(handler)
}

// HTTPMiddleware returns Middleware, with the official SDK's signature.
func (s *SDK) HTTPMiddleware(operation string) func(http.Handler) http.Handler {
	return Middleware
}

type captureContextJSON struct {
	TraceID    string       `json:"trace_id,omitempty"`
	SpanID     string       `json:"span_id,omitempty"`
	Request    *requestJSON `json:"request,omitempty"`
	StackTrace []stackFrame `json:"stack_trace"`
}

type requestJSON struct {
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	URL        string            `json:"url"`
	RemoteAddr string            `json:"remote_addr"`
	UserAgent  string            `json:"user_agent"`
	Query      string            `json:"query"`
	Headers    map[string]string `json:"headers"`
}

type stackFrame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// captureContext is the NUL-terminated context_json of a capture at pc.
func captureContext(ctx context.Context, pc uintptr) []byte {
	result := captureContextJSON{StackTrace: stackFrom(pc)}
	if ctx != nil {
		if r, ok := ctx.Value(requestKey{}).(*http.Request); ok && r != nil {
			result.Request = requestContext(r)
			result.TraceID, result.SpanID = parseTraceparent(r.Header.Get("traceparent"))
		}
	}
	text, err := json.Marshal(result)
	if err != nil { // only plain strings and ints above: not expected
		return nil
	}
	return append(text, 0)
}

// stackFrom is the goroutine's stack from the checkpoint's caller (pc)
// outwards, innermost first.
func stackFrom(pc uintptr) []stackFrame {
	pcs := make([]uintptr, maxStackFrames+8)
	pcs = pcs[:runtime.Callers(1, pcs)]
	for i, candidate := range pcs {
		if candidate == pc {
			pcs = pcs[i:]
			break
		}
	}
	frames := make([]stackFrame, 0, len(pcs))
	iterator := runtime.CallersFrames(pcs)
	for len(frames) < maxStackFrames {
		frame, more := iterator.Next()
		frames = append(frames, stackFrame{Function: frame.Function, File: frame.File, Line: frame.Line})
		if !more {
			break
		}
	}
	return frames
}

func requestContext(r *http.Request) *requestJSON {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path, query, target := "", "", ""
	if r.URL != nil {
		path, query, target = r.URL.Path, r.URL.RawQuery, r.URL.RequestURI()
	}
	remote := r.RemoteAddr
	if host, _, err := net.SplitHostPort(remote); err == nil {
		remote = host
	}
	return &requestJSON{
		Method:     r.Method,
		Path:       bounded(path),
		URL:        bounded(scheme + "://" + r.Host + target),
		RemoteAddr: remote,
		UserAgent:  bounded(r.UserAgent()),
		Query:      bounded(query),
		Headers:    scrubHeaders(r),
	}
}

// scrubHeaders: lower-case names, sensitive values redacted, at most
// maxHeaders headers (in name order) of bounded size.
func scrubHeaders(r *http.Request) map[string]string {
	names := make([]string, 0, len(r.Header)+1)
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	headers := make(map[string]string, len(names)+1)
	if r.Host != "" {
		headers["host"] = bounded(r.Host)
	}
	for _, name := range names {
		if len(headers) >= maxHeaders {
			headers["_truncated"] = "true"
			break
		}
		lower := bounded(strings.ToLower(name))
		if sensitiveHeaders[lower] || sensitiveWords.MatchString(lower) {
			headers[lower] = redacted
		} else {
			headers[lower] = bounded(strings.Join(r.Header[name], ", "))
		}
	}
	return headers
}

func bounded(text string) string {
	if len(text) <= maxHeaderValue {
		return text
	}
	return text[:maxHeaderValue] + "[TRUNCATED:" + strconv.Itoa(len(text)) + " bytes]"
}

// parseTraceparent returns the trace and span ids of a W3C traceparent
// header, or "" for a missing or malformed one (all-zero ids included).
func parseTraceparent(value string) (traceID, spanID string) {
	match := traceparent.FindStringSubmatch(strings.ToLower(strings.TrimSpace(value)))
	if match == nil || strings.Trim(match[1], "0") == "" || strings.Trim(match[2], "0") == "" {
		return "", ""
	}
	return match[1], match[2]
}
