import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// The kill switch stops every capture: within a second over SSE, at the
/// next poll otherwise (docs/PROTOCOL.md "Kill switch", "SSE stream"; docs/ARCHITECTURE.md "Capture semantics").
@Suite("Client: the kill switch stops captures", .serialized)
struct ClientKillSwitchTests {
    @Test("a kill_switch SSE event deactivates the site in < 1 s and suppressed captures are counted")
    func killSwitchOverSSE() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.enableSSE()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend, pollIntervalMs: 60_000, sse: true)
        defer { client.shutdown() }
        let site = client.site(.checkout)
        #expect(eventually { site.isActive && backend.log().openStreams == 1 })

        backend.setKillSwitch(true)
        let stopped = secondsUntil(within: 3) { !site.isActive }
        #expect(stopped != nil && stopped! < 1.0, "stopped after \(stopped ?? -1) s")
        #expect(client.statsObject["kill_switch"] as? Bool == true)
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.counter("suppressed_kill_switch") == 2)
        #expect(client.counter("captured") == 0)
        // Unlike the official SDKs, the stream stays open under the kill switch.
        #expect(backend.log().openStreams == 1)
        #expect(client.statsObject["sse_connected"] as? Bool == true)
    }

    @Test("switching the kill switch off over SSE resumes captures in < 1 s despite a 60 s poll")
    func killSwitchOffOverSSE() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.enableSSE()
        backend.setBreakpoints([breakpointJSON()])
        backend.setKillSwitch(true)
        let client = try makeClient(backend, pollIntervalMs: 60_000, sse: true)
        defer { client.shutdown() }
        let site = client.site(.checkout)
        #expect(eventually { backend.log().openStreams == 1 && client.statsObject["kill_switch"] as? Bool == true })
        #expect(!site.isActive)

        backend.setKillSwitch(false)
        let resumed = secondsUntil(within: 3) { site.isActive }
        #expect(resumed != nil && resumed! < 1.0, "resumed after \(resumed ?? -1) s")
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.count == 1 })
        // The breakpoints are fetched anew (a server may withhold them under
        // the kill switch) and the stream is open again.
        #expect(eventually { backend.log().openStreams == 1 && backend.log().sseConnects == 2 })
    }

    @Test("a kill switch seen by poll deactivates the site; switching it off by poll resumes captures")
    func killSwitchByPoll() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend)
        defer { client.shutdown() }
        let site = client.site(.checkout)
        #expect(eventually { site.isActive })

        backend.setKillSwitch(true)
        #expect(eventually { !site.isActive })
        #expect(client.capture(at: .checkout) == .skipped)
        #expect(client.counter("suppressed_kill_switch") == 1)

        backend.setKillSwitch(false)
        #expect(eventually { site.isActive })
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.count == 1 })
    }

    @Test("while the kill switch is on, no snapshot is sent and every skipped checkpoint is counted")
    func nothingSentUnderKillSwitch() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.setBreakpoints([breakpointJSON()])
        backend.setKillSwitch(true)
        let client = try makeClient(backend)
        defer { client.shutdown() }
        #expect(eventually { client.statsObject["kill_switch"] as? Bool == true })
        for _ in 0..<5 { #expect(client.capture(at: .checkout) == .skipped) }
        #expect(client.flush(timeoutMs: 500))
        #expect(backend.log().captureAttempts.isEmpty)
        #expect(client.counter("suppressed_kill_switch") == 5)
    }
}
