import Foundation
import Logging
import Testing
@testable import TraceKit
import TraceKitTestSupport

/// A checkout order as a service would capture it.
private struct Order: Encodable {
    var orderID: Int
    var email: String
    var card: String
    var items: [String]
}

/// A value whose encoding always fails.
private struct Unencodable: Encodable {
    struct Failure: Error {}
    func encode(to encoder: any Encoder) throws { throw Failure() }
}

/// The function name #function gives inside `checkout(_:)` below.
private let checkoutFunction = "checkout(_:order:context:)"

/// A handler with the checkpoint under test: its site is
/// "checkout(_:order:context:):order-checkout".
private func checkout(_ client: TraceKit.Client, order: Order, context: RequestContext? = nil) throws -> CaptureResult {
    try client.capture("order-checkout", order, context: context)
}

/// The fake backend (another process) serving one enabled breakpoint for (function, label).
private func backend(serving function: String, _ label: String) throws -> FakeBackend {
    let backend = try FakeBackend()
    backend.setBreakpoints([breakpointJSON(function: function, label: label)])
    return backend
}

@Suite("TraceKit.Client: captures Encodable values through TraceKitCore")
struct ClientTests {
    private func options(endpoint: String, logger: Logger? = nil) throws -> TraceKit.Options {
        var options = try TraceKit.Options(apiKey: "tk_test_key", serviceName: "swift-tests", endpoint: endpoint,
                                           logger: logger)
        try options.setPollInterval(milliseconds: 100)
        return options
    }

    @Test("an enabled breakpoint captures the encoded value, scrubbed, with site and request context")
    func capturesEncodableWhenBreakpointEnabled() throws {
        let backend = try backend(serving: checkoutFunction, "order-checkout")
        defer { backend.stop() }
        let client = try TraceKit.Client(options: options(endpoint: backend.endpoint))
        defer { client.shutdown() }
        let order = Order(orderID: 42, email: "jane@example.com", card: "4111 1111 1111 1111", items: ["book"])
        let context = RequestContext(method: "POST", path: "/checkout", headers: ["Authorization": "Bearer abcdefghijklmnopqrstuvwxyz"],
                                     traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7")

        #expect(eventually(within: 5) { (try? checkout(client, order: order, context: context)) == .captured })
        #expect(client.flush(timeout: .seconds(5)))

        let snapshot = try #require(backend.log().deliveredCaptures.first)
        let variables = try #require(snapshot["variables"] as? [String: Any])
        #expect(variables["orderID"] as? Int == 42)
        #expect(variables["email"] as? String == "[REDACTED:email]")
        #expect(variables["card"] as? String == "[REDACTED:credit_card]")
        #expect(snapshot["function_name"] as? String == checkoutFunction)
        #expect(snapshot["file_path"] as? String == "TraceKitTests/ClientTests.swift")
        #expect(snapshot["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        let request = try #require(snapshot["request_context"] as? [String: Any])
        #expect(request["method"] as? String == "POST")
        let headers = try #require(request["headers"] as? [String: Any])
        #expect((headers["Authorization"] as? String)?.contains("abcdefghij") == false)
    }

    @Test("a checkpoint without an enabled breakpoint is skipped and never evaluates its variables")
    func inactiveCheckpointDoesNotEncode() throws {
        let backend = try backend(serving: "someOtherFunction", "other")
        defer { backend.stop() }
        let client = try TraceKit.Client(options: options(endpoint: backend.endpoint))
        defer { client.shutdown() }
        var evaluated = false
        func variables() -> [String: Int] {
            evaluated = true
            return ["x": 1]
        }
        #expect(try client.capture("not-enabled", variables()) == .skipped)
        #expect(!evaluated)
    }

    @Test("a value that fails to encode throws encodingFailed instead of capturing")
    func unencodableValueThrows() throws {
        let backend = try backend(serving: "unencodable()", "bad")
        defer { backend.stop() }
        let client = try TraceKit.Client(options: options(endpoint: backend.endpoint))
        defer { client.shutdown() }
        func unencodable() throws(TraceKitError) -> CaptureResult { try client.capture("bad", Unencodable()) }
        #expect(eventually(within: 5) {
            do throws(TraceKitError) {
                _ = try unencodable()
                return false
            } catch {
                return error.kind == .encodingFailed
            }
        })
    }

    @Test("invalid options throw TraceKitError naming the option")
    func invalidOptionsThrow() throws {
        #expect(throws: TraceKitError.self) { try TraceKit.Options(apiKey: "", serviceName: "x") }
        #expect(throws: TraceKitError.self) { try TraceKit.Options(apiKey: "k", serviceName: "has space") }
        #expect(throws: TraceKitError.self) { try TraceKit.Options(apiKey: "k", endpoint: "ftp://host") }
        var options = try TraceKit.Options(apiKey: "k")
        do {
            try options.setCaptureDepth(-1)
            Issue.record("capture depth -1 was accepted")
        } catch {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.contains("capture_depth"))
        }
        do {
            try options.addPIIPattern(name: "employee_id", pattern: "EMP-(")
            Issue.record("an invalid pattern was accepted")
        } catch {
            #expect(error.kind == .invalidPattern)
        }
    }

    @Test("an empty label throws invalidArgument; a capture after shutdown throws shutDown")
    func badLabelAndShutdown() throws {
        let client = try TraceKit.Client(options: options(endpoint: "http://127.0.0.1:9"))
        #expect(throws: TraceKitError(.invalidArgument, "label must not be empty")) {
            try client.capture("", ["x": 1])
        }
        client.shutdown()
        #expect(throws: TraceKitError(.shutDown, "the client has been shut down")) {
            try client.capture("after", ["x": 1])
        }
        #expect(!client.flush(timeout: .milliseconds(10)))
    }

    @Test("in a forked child the client is inert: an active checkpoint is skipped, flush and stats touch nothing")
    func inertInForkedChild() throws {
        let backend = try backend(serving: checkoutFunction, "order-checkout")
        defer { backend.stop() }
        let client = try TraceKit.Client(options: options(endpoint: backend.endpoint))
        defer { client.shutdown() }
        let order = Order(orderID: 1, email: "", card: "", items: [])
        #expect(eventually(within: 5) { (try? checkout(client, order: order)) == .captured })  // active in the parent

        let child = fork()
        if child == 0 {
            // Only async-signal-safe exits from here: the child reports by its exit code.
            let skipped = (try? checkout(client, order: order)) == .skipped
            let fresh = (try? client.capture("new-in-child", ["n": 1])) == .skipped
            let inert = client.flush(timeout: .seconds(1)) && client.statsJSON == "{}" && client.shutdown()
            _exit(skipped && fresh && inert ? 0 : 1)
        }
        var status: Int32 = 0
        #expect(child > 0 && waitpid(child, &status, 0) == child)
        #expect(status == 0, "child exit status \(status)")
        #expect((try? checkout(client, order: order)) == .captured, "the parent keeps capturing")
        #expect(client.flush(timeout: .seconds(5)))
        #expect(backend.log().deliveredCaptures.count == 2)
    }

    @Test("the engine's log lines reach the swift-log Logger given in the options")
    func logsRouteToSwiftLog() throws {
        let store = RecordingLogHandler.Store()
        let logger = Logger(label: "tracekit-test") { _ in RecordingLogHandler(store: store) }
        // Nothing listens on port 9 (discard) on loopback: the poll fails and is logged.
        let client = try TraceKit.Client(options: options(endpoint: "http://127.0.0.1:9", logger: logger))
        defer { client.shutdown() }
        #expect(eventually(within: 5) { store.lines.withLock { lines in lines.contains { $0.1.contains("poll failed") } } })
        #expect(store.lines.withLock { $0.first?.0 } == .warning)
    }
}
