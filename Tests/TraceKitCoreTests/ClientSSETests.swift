import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// Over the SSE stream a change on the server is in effect in well under a
/// second (docs/ARCHITECTURE.md "Sync"; docs/PROTOCOL.md "SSE stream"). The poll interval here is a
/// minute, so only the stream can explain a change seen sooner.
@Suite("Client: SSE changes take effect in under a second", .serialized)
struct ClientSSETests {
    /// A client whose first poll found an SSE endpoint and an unrelated
    /// breakpoint, with the stream up.
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

    @Test("an update that only counts a capture leaves the breakpoints as they were, unless max_captures needs the count")
    func countOnlyUpdates() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        let inForce = { client.breakpoints.withLock { $0.byID["bp-checkout"] } }
        backend.upsert(breakpointJSON(["capture_count": 1]))
        #expect(eventually(within: 1) { inForce()?.captureCount == 1 })
        let counted = try #require(inForce())

        // tracekit-server pushes one of these per stored capture: nothing to
        // apply. (The change to another breakpoint after it shows it was handled.)
        backend.upsert(breakpointJSON(["capture_count": 2]))
        backend.upsert(breakpointJSON(id: "bp-other", function: "other", label: "other", line: 2))
        #expect(eventually(within: 1) { client.breakpoints.withLock { $0.byID["bp-other"]?.lineNumber } == 2 })
        #expect(inForce() === counted)

        // Any other change is applied, and under max_captures the count is too.
        backend.upsert(breakpointJSON(["capture_count": 3, "capture_frequency": 1]))
        #expect(eventually(within: 1) { inForce()?.captureFrequency == 1 && inForce()?.captureCount == 3 })
        backend.upsert(breakpointJSON(["capture_count": 3, "capture_frequency": 1, "max_captures": 10]))
        #expect(eventually(within: 1) { inForce()?.maxCaptures == 10 })
        backend.upsert(breakpointJSON(["capture_count": 4, "capture_frequency": 1, "max_captures": 10]))
        #expect(eventually(within: 1) { inForce()?.captureCount == 4 })
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

    @Test("when the server closes the stream, the client reconnects and sends Last-Event-ID")
    func reconnectsWithLastEventID() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        backend.pushRaw("id: 42\nevent: heartbeat\ndata: {}\n\n")
        #expect(eventually { client.counter("sse_events") >= 2 })
        backend.closeStreams()

        // docs/PROTOCOL.md: "reconnect with jittered exponential backoff ... send Last-Event-ID".
        #expect(eventually { backend.log().sseConnects >= 2 && backend.log().openStreams == 1 })
        let requests = backend.log().streamRequests
        #expect(requests.count >= 2)
        #expect(requests.last?["last-event-id"] == "42")
        #expect(requests.last?["accept"] == "text/event-stream")
        #expect(requests.last?["x-api-key"] == testAPIKey)
        #expect(client.counter("sse_connects") >= 2)
    }

    @Test("a change the stream never told is picked up when the stream drops (fallback poll or the new stream's init)")
    func changeMissedByStreamArrivesAfterDrop() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        backend.upsert(breakpointJSON(), push: false)  // as if the event was lost
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!client.site(.checkout).isActive)
        backend.closeStreams()
        #expect(eventually { client.site(.checkout).isActive })
    }

    @Test("with options.sse off the client never opens the stream, and polls")
    func sseOptionOff() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.enableSSE()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend, pollIntervalMs: 100, sse: false)
        defer { client.shutdown() }
        #expect(eventually { client.site(.checkout).isActive })
        #expect(eventually { backend.log().polls >= 3 })
        #expect(backend.log().sseConnects == 0)
    }

    @Test("the stream opens with no breakpoints, so a service's first breakpoint is live in < 1 s despite a 60 s poll")
    func streamWithoutBreakpoints() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.enableSSE()
        let client = try makeClient(backend, pollIntervalMs: 60_000, sse: true)
        defer { client.shutdown() }
        #expect(eventually { backend.log().openStreams == 1 })
        let site = client.site(.checkout)
        backend.upsert(breakpointJSON())
        let live = secondsUntil(within: 3) { site.isActive }
        #expect(live != nil && live! < 1.0, "live after \(live ?? -1) s")
        #expect(backend.log().polls == 1)
    }

    @Test("the server's retry: field delays the reconnect")
    func retryFieldHonoured() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try streamingClient(backend)
        defer { client.shutdown() }
        backend.pushRaw("retry: 1500\nevent: heartbeat\ndata: {}\n\n")
        #expect(eventually { client.counter("sse_events") >= 2 })
        let closedAt = Date().timeIntervalSince1970  // the fake stamps requests with the same clock
        backend.closeStreams()
        #expect(eventually(within: 4) { backend.log().sseConnects >= 2 })
        let times = backend.log().streamRequestTimes
        if times.count >= 2 {
            let gap = times[1] - closedAt
            #expect(gap >= 1.4, "reconnected \(gap) s after the close despite retry: 1500")
        }
    }
}
