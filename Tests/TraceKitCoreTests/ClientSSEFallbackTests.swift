import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// A broken stream never costs the client its breakpoints: when the stream
/// drops, polling resumes and still delivers changes (docs/ARCHITECTURE.md "Sync": "when it
/// drops, fall back to polling"; the parser must "survive garbage,
/// truncation"). Changes here are made with push: false, so only a poll can
/// deliver them.
@Suite("Client: garbage or truncated SSE falls back to polling", .serialized)
struct ClientSSEFallbackTests {
    func clientOnBrokenStream(_ backend: FakeBackend, mode: String, idleTimeoutMs: Int = 45_000) throws -> CaptureClient {
        backend.enableSSE(mode: mode)
        backend.setBreakpoints([breakpointJSON(id: "bp-other", function: "other", label: "other", line: 1)])
        let client = try makeClient(backend, pollIntervalMs: 100, sse: true) { $0.sseIdleTimeoutMs = idleTimeoutMs }
        #expect(eventually { backend.log().sseConnects >= 1 }, "the client never tried the stream")
        return client
    }

    @Test("garbage on the stream, then a close: a breakpoint added on the server still arrives by poll", arguments: ["garbage", "truncated"])
    func brokenStreamThenPollDelivers(mode: String) throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientOnBrokenStream(backend, mode: mode)
        defer { client.shutdown() }

        backend.upsert(breakpointJSON(), push: false)
        #expect(eventually { client.site(.checkout).isActive })
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.count == 1 })
        // The malformed or cut event changed nothing: only the two real breakpoints exist.
        #expect(client.counter("breakpoints") == 2)
    }

    @Test("a stream cut in the middle of an event does not apply the half event, and is retried")
    func truncatedEventIgnored() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientOnBrokenStream(backend, mode: "truncated")
        defer { client.shutdown() }
        #expect(eventually { backend.log().sseConnects >= 2 })  // it reconnected at least once
        #expect(client.counter("breakpoints") == 1)
        #expect(client.counter("sse_events") == 0)
    }

    @Test("a stream that goes silent is dead after the idle timeout, and polling delivers changes again")
    func silentStreamTimesOut() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientOnBrokenStream(backend, mode: "silent", idleTimeoutMs: 500)
        defer { client.shutdown() }
        backend.upsert(breakpointJSON(), push: false)
        #expect(eventually { client.site(.checkout).isActive })
    }

    @Test("a stream that sends only lines that are no event, heartbeat or comment is dead after the idle timeout")
    func garbageLinesAreNotLife() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try clientOnBrokenStream(backend, mode: "garbage_hold", idleTimeoutMs: 500)
        defer { client.shutdown() }
        backend.upsert(breakpointJSON(), push: false)
        // docs/ARCHITECTURE.md "C ABI contract": "The SSE stream counts as dead when nothing (event, heartbeat or comment)
        // arrives for 45 s"; docs/PROTOCOL.md: polling pauses only "while the stream is healthy".
        #expect(eventually { client.site(.checkout).isActive },
                "a stream of garbage lines kept polling paused past the idle timeout")
    }
}
