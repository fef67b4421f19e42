package tracekit

import "fmt"

// Error is a failure reported by libtracekit: a status (the C API's
// tk_status) and its message. The API key never appears in it.
type Error struct {
	Op      string // the operation, e.g. "NewSDK"
	Code    int    // the tk_status value
	Message string // tk_last_error or a description
}

func (e *Error) Error() string {
	if e.Op == "" {
		return "tracekit: " + e.Message
	}
	return fmt.Sprintf("tracekit: %s: %s", e.Op, e.Message)
}

// Is makes errors.Is(err, ErrShutDown) (and the other Err values) match
// any *Error with the same code.
func (e *Error) Is(target error) bool {
	other, ok := target.(*Error)
	return ok && other.Code == e.Code
}

// The tk_status codes of include/tracekit.h.
const (
	codeOK = iota
	codeInvalidArgument
	codeInvalidJSON
	codeInvalidPattern
	codeNoMemory
	codeShutDown
	codeQueueFull
	codeDisabled
	codeInternal
	codeTimeout
)

var statusMessages = map[int]string{
	codeInvalidArgument: "invalid argument",
	codeInvalidJSON:     "invalid JSON",
	codeInvalidPattern:  "invalid PII pattern",
	codeNoMemory:        "out of memory",
	codeShutDown:        "the SDK has been shut down",
	codeQueueFull:       "captured, but the send queue was full: dropped",
	codeInternal:        "internal error",
	codeTimeout:         "timed out",
}

// Sentinels for errors.Is.
var (
	ErrInvalidArgument = sentinel(codeInvalidArgument)
	ErrInvalidPattern  = sentinel(codeInvalidPattern)
	ErrShutDown        = sentinel(codeShutDown)
	ErrQueueFull       = sentinel(codeQueueFull)
	ErrTimeout         = sentinel(codeTimeout)
)

func sentinel(code int) *Error { return &Error{Code: code, Message: statusMessages[code]} }

func newError(op string, code int, message string) *Error {
	if message == "" {
		message = statusMessages[code]
		if message == "" {
			message = fmt.Sprintf("status %d", code)
		}
	}
	return &Error{Op: op, Code: code, Message: message}
}
