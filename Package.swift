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
        // The pure core (no libcurl, no threads), for the server and the fuzzers.
        .library(name: "TraceKitCore", targets: ["TraceKitCore"]),
        // The Swift native module: idiomatic API over TraceKitCore, logs to
        // swift-log. Kept out of `tracekit` so the .so never links swift-log.
        .library(name: "TraceKit", targets: ["TraceKit"]),
        // What the fuzzers share with the corpus replay tests (fuzz options,
        // parser checks), over the pure core only; never part of libtracekit.
        .library(name: "TraceKitFuzzSupport", targets: ["TraceKitFuzzSupport"]),
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
        // The sanitizer's C fast paths: SIMD byte scans, a per-thread key cache.
        .target(name: "CTraceKitScan"),
        // Pure: JSON, conditions, sanitizing and scrubbing, options, the SSE
        // parser. No libcurl, no threads; the server and the fuzzers use it.
        .target(name: "TraceKitCore", dependencies: ["CPCRE2", "CTraceKitScan"]),
        // The capture client: sites, the capture path, the sender and sync
        // threads, libcurl behind the transport seam.
        .target(name: "TraceKitClient", dependencies: ["TraceKitCore", "CCurl", "CTraceKitSupport"]),
        .target(name: "TraceKitC", dependencies: ["TraceKitClient", "TraceKitCore", "CTraceKitSupport"]),
        .target(
            name: "TraceKit",
            dependencies: ["TraceKitClient", "TraceKitCore", .product(name: "Logging", package: "swift-log")]),
        // Test harnesses: backend fakes and their launcher. Not in the
        // tracekit product.
        .target(
            name: "TraceKitTestSupport", dependencies: ["TraceKitCore", "TraceKitClient"],
            path: "Tests/TraceKitTestSupport",
            exclude: ["stub_server.py", "fake_backend.py", "loopback_http.py"]),
        // Fuzz options and parser checks: the pure core only, so the fuzzers
        // link neither libcurl nor the client.
        .target(name: "TraceKitFuzzSupport", dependencies: ["TraceKitCore"], path: "Tests/TraceKitFuzzSupport"),
        .testTarget(
            name: "TraceKitCoreTests",
            dependencies: ["TraceKitCore", "TraceKitClient", "TraceKitTestSupport", "TraceKitFuzzSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "TraceKitTests", dependencies: ["TraceKit", "TraceKitTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
