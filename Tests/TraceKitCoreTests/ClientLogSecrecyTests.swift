import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// "Secrets: the API key never appears in messages, logs or errors"
/// (tracekit.h conventions). The client is driven through every failure that
/// makes it log: failed polls, 5xx, 429, an open circuit, a broken stream, a
/// dead backend.
@Suite("Client: the API key never appears in logs", .serialized)
struct ClientLogSecrecyTests {
    @Test("every log line of a troubled client is free of the API key")
    func apiKeyNeverLogged() throws {
        let logs = LogCollector()
        let backend = try FakeBackend()
        backend.enableSSE(mode: "garbage")
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend, sse: true) {
            $0.logHandler = logs.handler
            try $0.setCircuitBreaker(maxFailures: 1, windowMs: 10_000, cooldownMs: 200)
        }
        defer { client.shutdown() }
        #expect(eventually { client.site(.checkout).isActive })

        backend.failPolls(count: 3, status: 500)
        backend.failCaptures(count: 1, status: 429, retryAfter: "0")
        _ = client.capture(at: .checkout)
        #expect(client.flush(timeoutMs: 2_000))
        backend.failCaptures(count: 3, status: 500)
        _ = client.capture(at: .checkout)
        #expect(eventually { client.circuitStateName == "open" })
        backend.stop()
        _ = eventually(within: 0.5) { false }
        for _ in 0..<5 { _ = client.capture(at: .checkout) }
        _ = client.flush(timeoutMs: 1_000)
        #expect(eventually { client.counter("poll_errors") >= 4 })

        let lines = logs.all
        #expect(!lines.isEmpty, "the troubled client logged nothing")
        let leaking = lines.filter { $0.contains(testAPIKey) || $0.contains("K3Y-must-never") }
        #expect(leaking.isEmpty, "log lines with the API key: \(leaking)")
        #expect(!client.statsJSON().contains(testAPIKey))
    }

    @Test("an option error about the API key does not echo it")
    func optionErrorDoesNotEcho() {
        var options = Options()
        let secret = "tk_live_with space-\(testAPIKey)"
        do {
            try options.setAPIKey(secret)
            Issue.record("a key with a space was accepted")
        } catch {
            #expect(!error.message.contains(testAPIKey))
        }
    }
}
