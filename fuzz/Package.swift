// swift-tools-version:6.1
// libFuzzer targets. Built only by fuzz/run.sh with -sanitize=fuzzer,address
// (they have no main of their own); the corpora under fuzz/corpus are also
// replayed by the ordinary test suite. They link the pure core (and the
// fuzz options and checks over it) only: no libcurl, no client threads.
import PackageDescription

let fuzzer = [SwiftSetting.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "tracekit-fuzz",
    dependencies: [.package(name: "tracekit-native", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "SanitizeFuzzer",
            dependencies: ["FuzzDriver", .product(name: "TraceKitCore", package: "tracekit-native"),
                           .product(name: "TraceKitFuzzSupport", package: "tracekit-native")],
            swiftSettings: fuzzer),
        .executableTarget(
            name: "ConditionFuzzer",
            dependencies: ["FuzzDriver", .product(name: "TraceKitCore", package: "tracekit-native")],
            swiftSettings: fuzzer),
        .executableTarget(
            name: "EventStreamFuzzer",
            dependencies: ["FuzzDriver", .product(name: "TraceKitCore", package: "tracekit-native"),
                           .product(name: "TraceKitFuzzSupport", package: "tracekit-native")],
            swiftSettings: fuzzer),
    ],
    swiftLanguageModes: [.v6]
)
