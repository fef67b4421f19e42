package tracekit

/*
#include <stdlib.h>
#include <tracekit.h>
*/
import "C"

import (
	"strings"
	"time"
	"unsafe"
)

// Config configures the SDK. Field names follow the official Go SDK
// (github.com/Tracekit-Dev/go-sdk); zero values keep libtracekit's
// defaults, which the TRACEKIT_* environment variables may change first
// (see include/tracekit.h, "Options").
type Config struct {
	// Required.
	APIKey      string
	ServiceName string

	// The backend: "https://app.tracekit.dev" by default. A host without a
	// scheme gets https://; an OTLP traces URL (".../v1/traces") is accepted.
	Endpoint string

	// Checkpoints capture only when this is true (as in the official SDK);
	// otherwise the SDK makes no connection and every checkpoint is a no-op.
	EnableCodeMonitoring bool

	// How often breakpoints are polled while the server's SSE stream is not
	// up. Default 30 s.
	CodeMonitoringPollInterval time.Duration

	// Containers nested deeper become {"_truncated":true,"_depth":N}.
	// Default 10.
	CaptureDepth int
	// The largest variables document in bytes; a larger one is replaced by
	// a truncation marker. Default 65536.
	MaxPayload int
	// Bounds each request to the backend and the flush at Shutdown.
	// Default 5 s.
	CaptureTimeout time.Duration
	// PII scrubbing: nil or true = on (default), false = off (values are
	// only bounded; sensitive HTTP headers are redacted either way).
	PIIScrubbing *bool
	// Extra patterns whose matches become "[REDACTED:<Name>]".
	PIIPatterns []PIIPattern
	// Circuit breaker thresholds; nil or zero fields keep the defaults
	// (3 failures within 60 s open it for 5 minutes).
	CircuitBreaker *CircuitBreakerConfig
	// Process-wide capture budget per second. 0: the default (100);
	// negative: unlimited.
	MaxCapturesPerSecond float64
	// Snapshots waiting to be sent; beyond it captures are dropped and
	// counted. Default 1000.
	MaxQueue int
}

// PIIPattern is a custom scrubbing rule: a PCRE2 pattern (not Go regexp
// syntax) and the name in its marker, 1–64 characters of [a-z0-9_].
type PIIPattern struct {
	Name    string
	Pattern string
}

// CircuitBreakerConfig overrides the circuit breaker's thresholds, as in
// the official SDK. Zero values mean "default".
type CircuitBreakerConfig struct {
	MaxFailures int   // default 3
	WindowMs    int64 // default 60000
	CooldownMs  int64 // default 300000
}

// newOptions builds libtracekit options from config. The caller frees them
// with C.tk_options_free.
func newOptions(config *Config) (*C.tk_options, error) {
	options, err := callPointer("NewSDK", func() *C.tk_options { return C.tk_options_new() })
	if err != nil {
		return nil, err
	}
	if err := applyConfig(options, config); err != nil {
		C.tk_options_free(options)
		return nil, err
	}
	return options, nil
}

// optionsWriter applies settings one after the other and keeps the first
// error (the library's message names the option).
type optionsWriter struct {
	options *C.tk_options
	err     error
}

func (w *optionsWriter) set(apply func(*C.tk_options) C.tk_status) {
	if w.err == nil {
		w.err = call("NewSDK", func() C.tk_status { return apply(w.options) })
	}
}

func (w *optionsWriter) setStrings(names []string, values []string, apply func(*C.tk_options, []*C.char) C.tk_status) {
	if w.err != nil {
		return
	}
	texts := make([]*C.char, 0, len(values))
	defer func() {
		for _, text := range texts {
			C.free(unsafe.Pointer(text))
		}
	}()
	for i, value := range values {
		text, err := cString(names[i], value)
		if err != nil {
			err.Op = "NewSDK"
			w.err = err
			return
		}
		texts = append(texts, text)
	}
	w.set(func(options *C.tk_options) C.tk_status { return apply(options, texts) })
}

func (w *optionsWriter) setString(name, value string, apply func(*C.tk_options, *C.char) C.tk_status) {
	w.setStrings([]string{name}, []string{value}, func(options *C.tk_options, texts []*C.char) C.tk_status {
		return apply(options, texts[0])
	})
}

func applyConfig(options *C.tk_options, config *Config) error {
	w := optionsWriter{options: options}
	w.setString("APIKey", config.APIKey, func(o *C.tk_options, v *C.char) C.tk_status { return C.tk_options_set_api_key(o, v) })
	w.setString("ServiceName", config.ServiceName, func(o *C.tk_options, v *C.char) C.tk_status {
		return C.tk_options_set_service_name(o, v)
	})
	if endpoint := config.Endpoint; endpoint != "" {
		if !strings.Contains(endpoint, "://") {
			endpoint = "https://" + endpoint
		}
		w.setString("Endpoint", endpoint, func(o *C.tk_options, v *C.char) C.tk_status { return C.tk_options_set_endpoint(o, v) })
	}
	if interval := config.CodeMonitoringPollInterval; interval > 0 {
		w.set(func(o *C.tk_options) C.tk_status {
			return C.tk_options_set_poll_interval_ms(o, C.int64_t(interval.Milliseconds()))
		})
	}
	if depth := config.CaptureDepth; depth > 0 {
		w.set(func(o *C.tk_options) C.tk_status {
			return C.tk_options_set_capture_depth(o, C.int32_t(clampInt32(depth)))
		})
	}
	if bytes := config.MaxPayload; bytes > 0 {
		w.set(func(o *C.tk_options) C.tk_status { return C.tk_options_set_max_payload(o, C.int64_t(bytes)) })
	}
	if timeout := config.CaptureTimeout; timeout > 0 {
		w.set(func(o *C.tk_options) C.tk_status {
			return C.tk_options_set_capture_timeout_ms(o, C.int64_t(timeout.Milliseconds()))
		})
	}
	if scrub := config.PIIScrubbing; scrub != nil {
		w.set(func(o *C.tk_options) C.tk_status { return C.tk_options_set_pii_scrubbing(o, cBool(*scrub)) })
	}
	for _, pattern := range config.PIIPatterns {
		w.setStrings([]string{"PIIPattern.Name", "PIIPattern.Pattern"}, []string{pattern.Name, pattern.Pattern},
			func(o *C.tk_options, v []*C.char) C.tk_status { return C.tk_options_add_pii_pattern(o, v[0], v[1]) })
	}
	if breaker := config.CircuitBreaker; breaker != nil {
		failures, window, cooldown := orDefault(int64(breaker.MaxFailures), 3), orDefault(breaker.WindowMs, 60000),
			orDefault(breaker.CooldownMs, 300000)
		w.set(func(o *C.tk_options) C.tk_status {
			return C.tk_options_set_circuit_breaker(o, C.int32_t(clampInt32(int(failures))), C.int64_t(window), C.int64_t(cooldown))
		})
	}
	if rate := config.MaxCapturesPerSecond; rate != 0 {
		if rate < 0 {
			rate = 0 // the library's "unlimited"
		}
		w.set(func(o *C.tk_options) C.tk_status { return C.tk_options_set_max_captures_per_second(o, C.double(rate)) })
	}
	if queue := config.MaxQueue; queue > 0 {
		w.set(func(o *C.tk_options) C.tk_status { return C.tk_options_set_max_queue(o, C.int32_t(clampInt32(queue))) })
	}
	return w.err
}

func orDefault(value, fallback int64) int64 {
	if value <= 0 {
		return fallback
	}
	return value
}

func cBool(value bool) C.int {
	if value {
		return 1
	}
	return 0
}

// clampInt32 keeps an int in int32 range, so that an out-of-range value
// reaches the library's validation instead of wrapping around.
func clampInt32(value int) int32 {
	const max, min = 1<<31 - 1, -1 << 31
	if value > max {
		return max
	}
	if value < min {
		return min
	}
	return int32(value)
}
