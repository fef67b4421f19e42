// swift-tools-version:6.1
// A small checkout service using the Swift native module `TraceKit`.
//   swift run --package-path examples/swift CheckoutService 8083
import PackageDescription

let package = Package(
    name: "checkout-service",
    dependencies: [.package(name: "tracekit-native", path: "../..")],
    targets: [
        .executableTarget(
            name: "CheckoutService",
            dependencies: [.product(name: "TraceKit", package: "tracekit-native")]),
    ],
    swiftLanguageModes: [.v6]
)
