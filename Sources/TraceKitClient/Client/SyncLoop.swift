import Glibc
import TraceKitCore

/// The sync thread: an immediate poll, then the poll interval (twice as
/// long, up to 60 s, under the kill switch); the server's SSE stream whenever
/// it offers one — also with no breakpoints and under the kill switch, so a
/// first breakpoint or the end of a kill switch is live at once (the official
/// SDKs wait for the next poll) — with polling paused while the stream is up;
/// back to polling and a jittered reconnect when the stream drops. A refresh
/// request (after an auto-registration) polls at once when not streaming.
struct SyncLoop {
    /// What the sync thread uses of the client, and nothing else.
    struct Context: Sendable {
        let transports: TransportFactory
        let backend: BackendRequests
        let stats: ClientStats
        let log: RateLimitedLog
        let pollIntervalMs: Int
        let sse: Bool
        let sseIdleTimeoutMs: Int
        /// Woken by a refresh request and by shutdown.
        let wake: WakeSignal
        /// A refresh was requested; the stream is up.
        let status: SyncStatus
        /// Sent with the next poll.
        let events: TelemetryEvents
        /// The breakpoints in force, and how a new set reaches every site.
        let currentBreakpoints: @Sendable () -> BreakpointSet
        let apply: @Sendable (BreakpointSet) -> Void
    }

    let context: Context

    private struct State {
        var nextPollNs: UInt64 = 0
        var sseEndpoint: String?
        var sseRetryAtNs: UInt64 = 0
        var sseBackoff = Backoff(baseMilliseconds: 500, capMilliseconds: 30_000, jitter: .full)
        var random = SplitMix64()
        var parser = EventStreamParser(maxEventBytes: 1 << 20)
    }

    func run() {
        guard let session = try? context.transports.make() else {
            context.log.log(.error, "could not create an HTTP session; breakpoints will not sync")
            return
        }
        // Shutdown and refresh requests also end a wait inside the stream.
        context.wake.attach(session.wakeUp)
        defer {
            context.wake.detach()
            withExtendedLifetime(session) {}
        }
        var state = State()
        while !context.wake.isHalted {
            let now = MonotonicClock.nowNanoseconds()
            let refresh = context.status.takeRefreshRequest()
            if refresh || now >= state.nextPollNs {
                poll(session: session, state: &state)
                state.nextPollNs = MonotonicClock.nowNanoseconds() &+ pollIntervalNs
            }
            if shouldStream(state), let endpoint = state.sseEndpoint {
                stream(endpoint, session: session, state: &state)
                state.nextPollNs = 0  // fall back to polling at once
                continue
            }
            // The stream's retry time is a reason to wake only while streaming
            // is wanted: otherwise it stays in the past (0 until a first stream)
            // and the sleep would return at once, spinning this thread.
            sleep(until: min(state.nextPollNs, wantsStream(state) ? state.sseRetryAtNs : UInt64.max))
        }
    }

    private var pollIntervalNs: UInt64 {
        let interval = context.pollIntervalMs
        let effective = context.currentBreakpoints().killSwitch ? min(max(interval, interval * 2), 60_000) : interval
        return UInt64(effective) &* 1_000_000
    }

    /// SSE is on and the server offers a stream — also with no breakpoints
    /// and under the kill switch (the official SDKs wait for both).
    private func wantsStream(_ state: State) -> Bool {
        context.sse && state.sseEndpoint != nil
    }

    private func shouldStream(_ state: State) -> Bool {
        wantsStream(state) && MonotonicClock.nowNanoseconds() >= state.sseRetryAtNs
    }

    // MARK: - Poll

    private func poll(session: any HTTPTransport, state: inout State) {
        context.stats.add(.polls)
        let events = context.events.takeAll()
        guard case .success(let response) = session.send(context.backend.activeBreakpoints(events: events)),
              response.statusCode == 200,
              let json = try? response.body.withUnsafeBytes({ try JSONValue.parse($0) }),
              let set = BreakpointSet.parse(json) else {
            // Keep the cached breakpoints (docs/PROTOCOL.md); events go out next time.
            context.stats.add(.pollErrors)
            context.log.log(.warning, "breakpoint poll failed; keeping the cached breakpoints")
            context.events.putBack(events)
            return
        }
        context.apply(set)
        state.sseEndpoint = json["sse_endpoint"]?.stringValue.flatMap { $0.hasPrefix("/") ? $0 : nil }
    }

    // MARK: - SSE

    private func stream(_ endpoint: String, session: any HTTPTransport, state: inout State) {
        let request = context.backend.eventStream(endpoint, lastEventID: state.parser.lastEventID)
        state.parser.resetForNewConnection()
        var parser = state.parser
        var resync = false
        var receivedEvent = false
        // Alive means events, heartbeats or comments (docs/ARCHITECTURE.md "C ABI contract"), not bytes:
        // a peer sending garbage lines is as dead as a silent one.
        let idleNs = UInt64(context.sseIdleTimeoutMs) &* 1_000_000
        var lastLifeNs = MonotonicClock.nowNanoseconds()
        let end = session.stream(request, idleTimeoutMs: context.sseIdleTimeoutMs, shouldStop: {
            context.wake.isHalted || resync || MonotonicClock.nowNanoseconds() &- lastLifeNs > idleNs
        }) { chunk in
            if context.status.markStreamConnected() { context.stats.add(.sseConnects) }
            let comments = parser.commentsSeen
            parser.feed(chunk) { event in
                receivedEvent = true
                lastLifeNs = MonotonicClock.nowNanoseconds()
                context.stats.add(.sseEvents)
                if handle(event) == .resync { resync = true }
            }
            if parser.commentsSeen != comments { lastLifeNs = MonotonicClock.nowNanoseconds() }
        }
        state.parser = parser
        context.status.markStreamDisconnected()
        if resync || (receivedEvent && end.reason == .peerClosed) { state.sseBackoff.reset() }
        if resync {  // poll, then reconnect, at once
            state.sseRetryAtNs = 0
            return
        }
        var delay = state.sseBackoff.nextDelayMilliseconds(using: &state.random)
        if let retry = parser.retryMilliseconds { delay = max(delay, min(retry, 60_000)) }
        if let seconds = end.retryAfterSeconds { delay = max(delay, min(seconds, 300) * 1_000) }
        state.sseRetryAtNs = MonotonicClock.nowNanoseconds() &+ UInt64(delay) &* 1_000_000
        if case .failed(let error) = end.reason { context.log.log(.warning, "SSE stream ended: \(error.kind.rawValue)") }
    }

    /// `resync`: end this stream, poll and reconnect at once.
    private enum Next { case keepOpen, resync }

    /// Applies one event (docs/PROTOCOL.md "SSE stream"); unknown events and
    /// malformed data are ignored.
    private func handle(_ event: ServerSentEvent) -> Next {
        let data = try? JSONValue.parse(event.data, maxDepth: 64)
        let current = context.currentBreakpoints()
        switch event.event {
        case "init":
            if let data, let set = BreakpointSet.parse(data) { context.apply(set) }
        case "breakpoint_created", "breakpoint_updated":
            guard let data, let breakpoint = Breakpoint(data) else { break }
            // A capture the server counted (one event per capture) changes
            // nothing here: no new set, no site touched.
            if let known = current.byID[breakpoint.id], known.actsTheSame(as: breakpoint) { break }
            context.apply(current.upserting(breakpoint))
        case "breakpoint_deleted":
            if let id = data?["id"]?.stringOrNumberText { context.apply(current.removing(id: id)) }
        case "kill_switch":
            guard let enabled = data?["enabled"]?.boolValue else { break }
            context.apply(current.with(killSwitch: enabled))
            // The stream stays open under the kill switch; when it ends, the
            // breakpoints (which a server may have withheld) are fetched anew.
            if current.killSwitch && !enabled { return .resync }
        default:
            break  // heartbeat, sdk_count, anything new
        }
        return .keepOpen
    }

    private func sleep(until deadlineNs: UInt64) {
        context.wake.sleep(untilNs: deadlineNs)
    }
}
