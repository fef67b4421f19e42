module github.com/tracekit-native/tracekit-native/benchmarks/go

go 1.19

require github.com/tracekit-native/tracekit-native/bindings/go v0.1.0

replace github.com/tracekit-native/tracekit-native/bindings/go => ../../bindings/go
