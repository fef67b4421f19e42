// swift-tools-version:6.1
// libtracekit: the capture engine (TraceKitCore), its C ABI (TraceKitC ->
// libtracekit.so) and the Swift native module. The server lives in its own
// package (server/) so that building the library never compiles SwiftNIO.
import PackageDescription

let package = Package(
    name: "tracekit-native",
    products: [
        // libtracekit.so: the C ABI. Release link flags (static Swift runtime,
        // SONAME, version script) are given on the command line by the Makefile.
        .library(name: "tracekit", type: .dynamic, targets: ["TraceKitC"]),
        // The engine, for the server and the fuzz/benchmark packages.
        .library(name: "TraceKitCore", targets: ["TraceKitCore"]),
        // The Swift native module: idiomatic API over TraceKitCore, logs to
        // swift-log. Kept out of `tracekit` so the .so never links swift-log.
        .library(name: "TraceKit", targets: ["TraceKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CPCRE2", path: "Sources/CPCRE2", pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]),
        .target(name: "CTraceKitSupport"),
        .target(name: "TraceKitCore", dependencies: ["CPCRE2", "CCurl", "CTraceKitSupport"]),
        .target(name: "TraceKitC", dependencies: ["TraceKitCore", "CTraceKitSupport"]),
        .target(
            name: "TraceKit",
            dependencies: ["TraceKitCore", .product(name: "Logging", package: "swift-log")]),
        // Test harnesses (backend fakes and their launcher) shared by the test
        // targets; in no product, so the shipped library never exports them.
        .target(
            name: "TraceKitTestSupport", dependencies: ["TraceKitCore"], path: "Tests/TraceKitTestSupport",
            exclude: ["stub_server.py", "fake_backend.py"]),
        .testTarget(
            name: "TraceKitCoreTests", dependencies: ["TraceKitCore", "TraceKitTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "TraceKitTests", dependencies: ["TraceKit", "TraceKitTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
