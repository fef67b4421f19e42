package tracekit

// Version is this package's version, the project's (scripts/version.py
// keeps it in step with VERSION). The module is tagged bindings/go/vX.Y.Z.
// NewSDK refuses a libtracekit of another major version.
const Version = "0.1.0"
