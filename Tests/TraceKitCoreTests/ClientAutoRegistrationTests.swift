import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// "The first hit of an unknown site auto-registers it (file, line, function,
/// label) with the backend, once, in the background" (docs/ARCHITECTURE.md "Capture semantics"; docs/PROTOCOL.md
/// "Auto-register": sent once per process per function:label).
@Suite("Client: auto-registration of unknown sites")
struct ClientAutoRegistrationTests {
    @Test("hitting an unknown site many times registers it exactly once, with its location")
    func registersOnce() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeClient(backend)
        defer { client.shutdown() }
        for _ in 0..<20 { #expect(client.capture(at: .refund) == .skipped) }
        #expect(eventually { backend.log().registrations.count == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        for _ in 0..<20 { _ = client.capture(at: .refund) }
        Thread.sleep(forTimeInterval: 0.3)

        let registrations = backend.log().registrations
        #expect(registrations.count == 1)
        let body = try #require(registrations.first)
        #expect(body["service_name"] as? String == "svc")
        #expect(body["file_path"] as? String == "billing.c")
        #expect(body["line_number"] as? Int == 7)
        #expect(body["function_name"] as? String == "refund_order")
        #expect(body["label"] as? String == "refund")
        #expect(client.counter("registrations") == 1)
    }

    @Test("two different sites are registered once each")
    func eachSiteOnce() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeClient(backend)
        defer { client.shutdown() }
        for _ in 0..<5 {
            _ = client.capture(at: .refund)
            _ = client.capture(at: .checkout)
        }
        #expect(eventually { backend.log().registrations.count == 2 })
        Thread.sleep(forTimeInterval: 0.3)
        let labels = backend.log().registrations.compactMap { $0["label"] as? String }.sorted()
        #expect(labels == ["checkout", "refund"])
    }

    @Test("two sites with the same function:label (other lines) are registered once (docs/PROTOCOL.md: once per function:label)")
    func oncePerFunctionAndLabel() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeClient(backend)
        defer { client.shutdown() }
        var elsewhere = Checkpoint.refund
        elsewhere.line = 99
        _ = client.capture(at: .refund)
        _ = client.capture(at: elsewhere)
        #expect(eventually { backend.log().registrations.count >= 1 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(backend.log().registrations.count == 1)
    }

    @Test("a site a breakpoint already knows is registered too, once, enabled or not (moved code updates the server)",
          arguments: [true, false])
    func knownSiteRegistered(enabled: Bool) throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.setBreakpoints([breakpointJSON(enabled: enabled)])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(eventually { client.counter("breakpoints") == 1 })
        var moved = Checkpoint.checkout
        moved.line += 10
        for _ in 0..<5 { _ = client.capture(at: moved) }
        #expect(eventually { backend.log().registrations.count == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(backend.log().registrations.count == 1)
        #expect(backend.log().registrations.first?["line_number"] as? Int == moved.line)
    }

    @Test("register(site:) (tk_site_register) registers an active site once and never captures it")
    func registerAloneNeverCaptures() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend)
        let site = client.site(.checkout)
        #expect(eventually { site.isActive })
        for _ in 0..<5 { #expect(client.register(site: site)) }
        #expect(eventually { backend.log().registrations.count == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(backend.log().registrations.count == 1)
        #expect(client.counter("captured") == 0)
        #expect(backend.log().captureAttempts.isEmpty)
        client.shutdown()
        #expect(!client.register(site: site))
    }

    @Test("registering does not depend on whether the first hit comes before or after the first poll")
    func registeredBeforeOrAfterFirstPoll() throws {
        for hitBeforePoll in [true, false] {
            let backend = try FakeBackend()
            defer { backend.stop() }
            backend.setBreakpoints([breakpointJSON()])
            let client = try makeClient(backend)
            defer { client.shutdown() }
            if !hitBeforePoll { #expect(eventually { client.site(.checkout).isActive }) }
            _ = client.capture(at: .checkout)
            #expect(eventually { backend.log().registrations.count == 1 }, "hit before the first poll: \(hitBeforePoll)")
        }
    }

    @Test("a successful registration refreshes the breakpoints at once, not at the next poll")
    func registrationRefreshes() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeClient(backend, pollIntervalMs: 60_000)
        defer { client.shutdown() }
        #expect(eventually { backend.log().polls == 1 })
        _ = client.capture(at: .refund)
        #expect(eventually { client.counter("registrations") == 1 })
        let refreshed = secondsUntil(within: 3) { backend.log().polls == 2 }
        #expect(refreshed != nil && refreshed! < 1.0, "polled \(refreshed ?? -1) s after the registration")
    }

    @Test("a failed registration is retried later, not on every hit")
    func failedRegistrationRetriedWithBackoff() throws {
        let client = try makeClientOfDeadBackend(captureTimeoutMs: 300)
        defer { client.shutdown() }
        for _ in 0..<50 { _ = client.capture(at: .refund) }
        #expect(eventually { client.counter("registration_errors") >= 1 })
        Thread.sleep(forTimeInterval: 0.3)
        for _ in 0..<50 { _ = client.capture(at: .refund) }
        // docs/PROTOCOL.md "Auto-register": retry with backoff, not on every call.
        #expect(client.counter("registration_errors") <= 2)
    }
}
