module github.com/tracekit-native/tracekit-native/examples/go

go 1.19

require github.com/tracekit-native/tracekit-native/bindings/go v0.1.0

// This repository's copy of the binding (no module download needed).
replace github.com/tracekit-native/tracekit-native/bindings/go => ../../bindings/go
