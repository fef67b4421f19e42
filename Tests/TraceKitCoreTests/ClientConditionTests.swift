import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// docs/PROTOCOL.md "Conditions": with `condition_eval == "sdk-evaluable"` the SDK
/// evaluates the condition on the captured variables; false skips the
/// capture; "an evaluation error or an unsupported expression captures
/// anyway"; `server-only` (or unset): the SDK captures and the server decides.
@Suite("Client: breakpoint conditions")
struct ClientConditionTests {
    func client(_ backend: InProcessBackend, condition: String, eval: String? = "sdk-evaluable",
                _ extra: [String: Any] = [:]) throws -> CaptureClient {
        var fields: [String: Any] = ["condition": condition]
        if let eval { fields["condition_eval"] = eval }
        fields.merge(extra) { _, new in new }
        backend.setBreakpoints([breakpointJSON(fields)])
        let client = try makeClient(backend)
        #expect(backend.waitUntilApplied() && client.site(.checkout).isActive)
        return client
    }

    @Test("an SDK-evaluable condition that holds captures; one that does not is skipped and counted")
    func trueAndFalse() throws {
        let backend = InProcessBackend()
        let client = try client(backend, condition: #"amount > 100 && user.role == "admin""#)
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"amount": 500, "user": {"role": "admin"}}"#) == .captured)
        #expect(client.capture(at: .checkout, #"{"amount": 50, "user": {"role": "admin"}}"#) == .skipped)
        #expect(client.capture(at: .checkout, #"{"amount": 500, "user": {"role": "guest"}}"#) == .skipped)
        #expect(client.counter("suppressed_condition") == 2)
        #expect(backend.wait { $0.deliveredCaptures.count == 1 })
        let variables = backend.log().deliveredCaptures.first?["variables"] as? [String: Any]
        #expect(variables?["amount"] as? Int == 500)
    }

    @Test("a condition whose evaluation fails captures anyway", arguments: [
        #""k" in amount"#,      // "in" on a number: an evaluation error
        "amount",               // not a boolean
        "!amount",              // "!" on a number: an evaluation error
    ])
    func evaluationErrorCaptures(condition: String) throws {
        let backend = InProcessBackend()
        let client = try client(backend, condition: condition)
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"amount": 5}"#) == .captured)
        #expect(client.counter("suppressed_condition") == 0)
    }

    @Test("an unsupported (server-only) expression marked sdk-evaluable captures anyway")
    func unsupportedExpressionCaptures() throws {
        let backend = InProcessBackend()
        let client = try client(backend, condition: "len(tags) > 5")
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"tags": ["a"]}"#) == .captured)
    }

    @Test("a server-only or unset condition_eval leaves the decision to the server: the SDK captures",
          arguments: ["server-only", nil] as [String?])
    func serverOnlyCaptures(eval: String?) throws {
        let backend = InProcessBackend()
        let client = try client(backend, condition: "amount > 100", eval: eval)
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"amount": 1}"#) == .captured)
        #expect(client.counter("suppressed_condition") == 0)
    }

    @Test("a hit whose condition is false does not use up max_captures")
    func falseConditionKeepsMaxCapturesBudget() throws {
        let backend = InProcessBackend()
        let client = try client(backend, condition: "amount > 100", ["max_captures": 1])
        defer { client.shutdown() }
        #expect(client.capture(at: .checkout, #"{"amount": 1}"#) == .skipped)
        #expect(client.capture(at: .checkout, #"{"amount": 2}"#) == .skipped)
        // docs/ARCHITECTURE.md "Capture semantics": a capture happens if max_captures is not reached AND the condition holds;
        // the two skipped hits were not captures.
        #expect(client.capture(at: .checkout, #"{"amount": 500}"#) == .captured)
        #expect(client.capture(at: .checkout, #"{"amount": 501}"#) == .skipped)
        #expect(client.counter("suppressed_condition") == 2)
        #expect(client.counter("suppressed_max_captures") == 1)
    }
}
