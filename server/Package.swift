// swift-tools-version:6.1
// tracekit-server: the self-hosted backend. Its own package so that building
// libtracekit never compiles SwiftNIO; it reuses TraceKitCore from the root.
import PackageDescription

let package = Package(
    name: "tracekit-server",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tracekit-server", targets: ["tracekit-server"]),
        .library(name: "TraceKitServer", targets: ["TraceKitServer"]),
    ],
    dependencies: [
        .package(name: "tracekit-native", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        // The PostgreSQL store (--database postgres://...), for several instances on one database.
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        // Already pulled in by Hummingbird; named so the SSE hub can close a channel.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        // Already pulled in by Hummingbird (HummingbirdTLS): optional HTTPS, --tls-cert/--tls-key.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.0.0"),
        // Already pulled in by Hummingbird; named for the HTTP parts ConnectionGuard sees.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        // OTLP protobuf trace exports; the generated code is committed (Scripts/generate-otlp-protobuf.sh).
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(
            name: "TraceKitServer",
            dependencies: [
                .product(name: "TraceKitCore", package: "tracekit-native"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOThreadPool: CPU-heavy request work off the event loops (CPUWorkLimiter).
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "CZlib",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // Embedded in the binary: one self-contained executable, wherever it is copied.
            resources: ["index.html", "login.html", "app.js", "login.js", "style.css"]
                .map { .embedInCode("Resources/dashboard/\($0)") }),
        // The system zlib, to inflate gzip-encoded OTLP trace exports.
        .systemLibrary(name: "CZlib"),
        .executableTarget(
            name: "tracekit-server",
            dependencies: [
                "TraceKitServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Loopback benchmark (ingest rate, SSE fan-out latency); see Benchmarks/.
        .executableTarget(
            name: "tracekit-server-bench",
            dependencies: ["TraceKitServer", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "TraceKitServerTests",
            dependencies: [
                "TraceKitServer",
                .product(name: "TraceKitCore", package: "tracekit-native"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "CZlib",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
