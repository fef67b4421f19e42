module github.com/tracekit-native/tracekit-native/bindings/go

go 1.19
