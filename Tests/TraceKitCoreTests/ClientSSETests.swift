import Foundation
import Testing
@testable import TraceKitCore

/// Over the SSE stream a change on the server is in effect in well under a
/// second (DESIGN §4; PROTOCOL.md "SSE stream"). The poll interval here is a
/// minute, so only the stream can explain a change seen sooner.
@Suite("Client: SSE changes take effect in under a second", .serialized)
struct ClientSSETests {
    /// A client whose first poll found an SSE endpoint and an unrelated
    /// breakpoint (the stream opens only when breakpoints exist), with the
    /// stream up.
    func streamingClient(_ backend: FakeBackend) throws -> CaptureClient {
        backend.enableSSE()
        backend.setBreakpoints([breakpointJSON(id: "bp-other", function: "other", label: "other", line: 1)])
        let client = try makeClient(backend, pollIntervalMs: 60_000, sse: true)
        #expect(eventually { backend.log().openStreams == 1 && client.statsObject["sse_connected"] as? Bool == true })
        return client
    }

    @Test("breakpoint_created, _updated and _deleted are each in effect in < 1 s")
    func createUpdateDelete() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        let site = client.site(.checkout)
        #expect(!site.isActive)

        backend.upsert(breakpointJSON())
        let created = secondsUntil(within: 3) { site.isActive }
        #expect(created != nil && created! < 1.0, "created after \(created ?? -1) s")

        backend.upsert(breakpointJSON(enabled: false))
        let disabled = secondsUntil(within: 3) { !site.isActive }
        #expect(disabled != nil && disabled! < 1.0, "disabled after \(disabled ?? -1) s")

        backend.upsert(breakpointJSON(enabled: true))
        #expect(eventually(within: 1) { site.isActive })
        backend.deleteBreakpoint(id: "bp-checkout")
        let deleted = secondsUntil(within: 3) { !site.isActive }
        #expect(deleted != nil && deleted! < 1.0, "deleted after \(deleted ?? -1) s")
        #expect(client.counter("breakpoints") == 1)
        #expect(client.counter("sse_events") >= 5)  // init + 4 changes
    }

    @Test("while the stream is up the client does not poll")
    func streamPausesPolling() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        let polls = backend.log().polls
        Thread.sleep(forTimeInterval: 0.5)
        #expect(backend.log().polls == polls)
        #expect(client.counter("sse_connects") == 1)
    }

    @Test("a snapshot captured after an SSE update carries the updated breakpoint's id")
    func captureUsesStreamedBreakpoint() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        backend.upsert(breakpointJSON(id: "bp-streamed"))
        #expect(eventually(within: 1) { client.site(.checkout).isActive })
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.first?["breakpoint_id"] as? String == "bp-streamed" })
    }
}
