import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// Call sites: interned per (label, file, line, function); `isActive` follows
/// code monitoring, the kill switch and the breakpoints; the stats document
/// has every key tk_client_stats promises (docs/ARCHITECTURE.md "C ABI contract").
@Suite("Client: sites and stats")
struct ClientSiteTests {
    @Test("the same location gives the same site; another location another one")
    func sitesAreInterned() throws {
        let backend = InProcessBackend()
        let client = try makeClient(backend)
        defer { client.shutdown() }
        let first = client.site(.checkout)
        #expect(first === client.site(.checkout))
        #expect(first !== client.site(.refund))
        var moved = Checkpoint.checkout
        moved.line = 43
        #expect(first !== client.site(moved))
        #expect(client.counter("sites") == 3)
    }

    @Test("sites are bounded: beyond the limit a checkpoint gets an inert site and is counted")
    func sitesAreBounded() throws {
        let backend = InProcessBackend()
        let client = try makeClient(backend) { $0.maxSites = 3 }
        defer { client.shutdown() }
        for line in 1...5 { _ = client.site(label: "dynamic-\(line)", file: "app.c", line: line, function: "f") }
        #expect(client.counter("sites") == 3)
        #expect(client.counter("sites_overflow") == 2)
        let overflow = client.site(label: "dynamic-9", file: "app.c", line: 9, function: "f")
        #expect(!overflow.isActive)
        #expect(client.capture(site: overflow, variables: UnsafeBufferPointer(start: nil, count: 0), context: nil) == .skipped)
    }

    @Test("an empty label is an invalid argument, not a capture")
    func emptyLabelIsInvalid() throws {
        let backend = InProcessBackend()
        let client = try makeClient(backend)
        defer { client.shutdown() }
        guard case .invalidArgument = client.capture(label: "", file: "app.c", line: 1, function: "f", variables: "{}") else {
            Issue.record("an empty label was accepted")
            return
        }
    }

    @Test("a client without an API key does not start")
    func apiKeyRequired() throws {
        var options = Options()
        try options.setEndpoint("http://127.0.0.1:1")
        #expect(throws: CaptureClient.StartError.self) { try CaptureClient(options: options) }
    }

    @Test("with code monitoring off nothing is active, captured or registered")
    func codeMonitoringOff() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) { $0.codeMonitoring = false }
        defer { client.shutdown() }
        #expect(backend.waitUntilApplied() && client.counter("breakpoints") == 1)
        #expect(!client.site(.checkout).isActive)
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.capture(at: .refund) == .skipped)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(backend.log().captureAttempts.isEmpty)
        #expect(backend.log().registrations.isEmpty)
    }

    @Test("statsJSON is one JSON object with every documented key")
    func statsKeys() throws {
        let backend = InProcessBackend()
        let client = try makeClient(backend)
        defer { client.shutdown() }
        let stats = client.statsObject
        let counters = ["captured", "sent", "failed", "retried", "dropped_queue_full", "dropped_circuit_open",
                        "suppressed_kill_switch", "suppressed_circuit", "suppressed_rate_limit",
                        "suppressed_condition", "suppressed_expired", "suppressed_max_captures",
                        "suppressed_frequency", "redactions", "truncations", "polls", "poll_errors",
                        "sse_connects", "sse_events", "registrations", "registration_errors", "invalid_input",
                        "queue_depth", "breakpoints", "sites"]
        for key in counters { #expect(stats[key] is Int, "missing or not a number: \(key)") }
        #expect(stats["sse_connected"] as? Bool != nil)
        #expect(stats["kill_switch"] as? Bool != nil)
        #expect(["closed", "open", "half_open"].contains(stats["circuit_state"] as? String ?? ""))
    }

    @Test("the first poll happens at once, not after the poll interval")
    func immediateFirstPoll() throws {
        let backend = InProcessBackend()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend, pollIntervalMs: 60_000)
        defer { client.shutdown() }
        // One poll only (the next is a minute away): the client's own state is what to watch.
        #expect(eventually(within: 2) { client.site(.checkout).isActive })
        #expect(backend.log().pollRequests.first?["service"] as? String == "svc")
    }
}
