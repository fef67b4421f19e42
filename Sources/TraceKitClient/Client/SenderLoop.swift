import TraceKitCore

/// The sender thread: one POST per snapshot, retries with backoff for
/// network errors and 5xx, 429 with Retry-After, the circuit breaker (one
/// failure per snapshot whose attempts all failed), and auto-registrations
/// of new sites (they share this thread's connection).
struct SenderLoop {
    /// What the sender uses of the client, and nothing else.
    struct Context: Sendable {
        let outbox: WaitQueue<OutgoingSnapshot>
        let registrations: WaitQueue<SiteKey>
        let transports: TransportFactory
        let backend: BackendRequests
        let breaker: SharedCircuitBreaker
        let stats: ClientStats
        let log: RateLimitedLog
        /// Woken by shutdown: ends backoff pauses at once.
        let wake: WakeSignal
        /// Queues a telemetry event for the next poll.
        let reportEvent: @Sendable (JSONValue) -> Void
        /// Asks the sync thread to fetch the breakpoints now (after an
        /// auto-registration, whose breakpoint the server may have enabled).
        let refreshBreakpoints: @Sendable () -> Void
    }

    let context: Context
    static let maxAttempts = 3

    private struct PendingRegistration {
        var key: SiteKey
        var attempts: Int
        var notBeforeNs: UInt64
    }

    private struct State {
        var random = SplitMix64()
        var registrationsPending: [PendingRegistration] = []
    }

    func run() {
        guard let session = try? context.transports.make() else {
            context.log.log(.error, "could not create an HTTP session; snapshots will not be sent")
            return
        }
        var state = State()
        while !context.wake.isHalted {
            // A condition wait: a new snapshot or shutdown ends it at once;
            // the timeout only paces the registrations.
            if let snapshot = context.outbox.pop(deadlineNs: MonotonicClock.nowNanoseconds() &+ 100_000_000) {
                send(snapshot.finish(), session: session, state: &state)
                context.outbox.finished()
            }
            registerSites(session: session, state: &state)
        }
    }

    // MARK: - Snapshots

    /// How one snapshot's delivery ended.
    private enum Delivery {
        /// The server took it (2xx).
        case delivered
        /// The server answered but did not take it (4xx, or 429 to the
        /// last attempt): the backend is up, so not a failure for the breaker.
        case refused
        /// The last attempt failed (network, 5xx); shutdown may have cut the
        /// retries short.
        case failed
    }

    private func send(_ body: [UInt8], session: any HTTPTransport, state: inout State) {
        let (decision, transition) = context.breaker.admit()
        report(transition)
        guard decision != .refused else {
            context.stats.add(.droppedCircuitOpen)
            return
        }
        let delivery = deliver(body, session: session, state: &state)
        context.stats.add(delivery == .delivered ? .sent : .failed)
        report(context.breaker.record(delivered: delivery != .failed))
    }

    /// Up to `maxAttempts` POSTs of one snapshot.
    private func deliver(_ body: [UInt8], session: any HTTPTransport, state: inout State) -> Delivery {
        var backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 2_000, jitter: .full)
        var outcome = Delivery.failed
        for attempt in 0..<Self.maxAttempts {
            if attempt > 0 { context.stats.add(.retried) }
            var pauseMs = backoff.nextDelayMilliseconds(using: &state.random)
            switch session.send(context.backend.captureSnapshot(body)) {
            case .success(let response) where (200...299).contains(response.statusCode):
                return .delivered
            case .success(let response) where response.statusCode == 429:
                // The server asks us to wait (bounded): an attempt, but the
                // backend is up, so not a failure for the breaker.
                outcome = .refused
                pauseMs = min(max(response.retryAfterSeconds ?? 1, 0), 60) * 1_000
            case .success(let response) where response.statusCode >= 500:
                outcome = .failed
                context.log.log(.warning, "capture rejected with HTTP \(response.statusCode); retrying")
            case .success(let response):
                context.log.log(.warning, "capture rejected with HTTP \(response.statusCode)")
                return .refused
            case .failure(let error):
                outcome = .failed
                context.log.log(.warning, "capture not delivered: \(error.kind.rawValue)")
            }
            // Shutdown ends the pause (and the retries) at once.
            guard attempt + 1 < Self.maxAttempts, context.wake.sleep(milliseconds: pauseMs) else { break }
        }
        return outcome
    }

    /// Logs an opening once and queues the trip event for the next poll (as
    /// the Go SDK reports it).
    private func report(_ transition: CircuitBreaker.Transition?) {
        guard case .opened(let trip) = transition else { return }
        context.log.log(.warning, "circuit breaker open")
        context.reportEvent(.object([
            "type": .string("circuit_breaker_tripped"), "service_name": .string(context.backend.serviceName),
            "failure_count": .int(Int64(trip.failureCount)), "window_seconds": .int(Int64(trip.windowSeconds)),
            "cooldown_seconds": .int(Int64(trip.cooldownSeconds)), "timestamp": .string(RFC3339.now()),
        ]))
    }

    // MARK: - Auto-registration

    private func registerSites(session: any HTTPTransport, state: inout State) {
        while let key = context.registrations.pop(deadlineNs: 0) {
            context.registrations.finished()
            state.registrationsPending.append(PendingRegistration(key: key, attempts: 0, notBeforeNs: 0))
        }
        let now = MonotonicClock.nowNanoseconds()
        guard let index = state.registrationsPending.firstIndex(where: { $0.notBeforeNs <= now }) else { return }
        var pending = state.registrationsPending.remove(at: index)
        if case .success(let response) = session.send(context.backend.autoRegister(pending.key)),
           (200...299).contains(response.statusCode) {
            context.stats.add(.registrations)
            context.refreshBreakpoints()
            return
        }
        context.stats.add(.registrationErrors)
        pending.attempts += 1
        guard pending.attempts < 10 else { return }
        var backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 300_000, jitter: .full)
        for _ in 0..<pending.attempts { _ = backoff.nextDelayMilliseconds(using: &state.random) }
        pending.notBeforeNs = now &+ UInt64(backoff.nextDelayMilliseconds(using: &state.random)) &* 1_000_000
        state.registrationsPending.append(pending)
    }
}
