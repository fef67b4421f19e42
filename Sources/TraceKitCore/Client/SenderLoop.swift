import Glibc

/// The sender thread: one POST per snapshot, retries with backoff for
/// network errors and 5xx, 429 with Retry-After, the circuit breaker, and
/// auto-registrations of new sites (they share this thread's connection).
struct SenderLoop {
    let client: CaptureClient
    static let maxAttempts = 3

    private struct PendingRegistration {
        var key: SiteKey
        var attempts: Int
        var notBeforeNs: UInt64
    }

    func run() {
        guard let session = try? HTTPSession() else {
            client.log.log(.error, "could not create an HTTP session; snapshots will not be sent")
            return
        }
        var state = State()
        while !client.haltRequested {
            if let snapshot = client.outbox.pop(deadlineNs: MonotonicClock.nowNanoseconds() &+ 100_000_000) {
                send(snapshot.finish(), session: session, state: &state)
                client.outbox.finished()
            }
            registerSites(session: session, state: &state)
        }
    }

    private struct State {
        var breaker: CircuitBreaker
        var random = SplitMix64()
        var registrationsPending: [PendingRegistration] = []

        init() { breaker = CircuitBreaker() }
    }

    // MARK: - Snapshots

    private func send(_ body: [UInt8], session: HTTPSession, state: inout State) {
        if state.breaker.configuration != breakerConfiguration { state.breaker = CircuitBreaker(configuration: breakerConfiguration) }
        var backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 2_000, jitter: .full)
        for attempt in 0..<Self.maxAttempts {
            let (decision, transition) = state.breaker.decide(nowMilliseconds: MonotonicClock.nowMilliseconds())
            report(transition, state.breaker)
            guard decision != .refused else {
                client.stats.add(.droppedCircuitOpen)
                return
            }
            if attempt > 0 { client.stats.add(.retried) }
            let request = HTTPRequest(method: .post, url: client.url("/sdk/snapshots/capture"),
                                      headers: client.requestHeaders, body: body,
                                      connectTimeoutMilliseconds: min(2_000, client.requestTimeoutMs),
                                      totalTimeoutMilliseconds: client.requestTimeoutMs, maxResponseBytes: 64 * 1024)
            switch session.send(request) {
            case .success(let response) where (200...299).contains(response.statusCode):
                report(state.breaker.recordSuccess(nowMilliseconds: MonotonicClock.nowMilliseconds()), state.breaker)
                client.stats.add(.sent)
                return
            case .success(let response) where response.statusCode == 429:
                // Not a failure: the server asks us to wait (bounded, and cut short by shutdown).
                let seconds = min(max(response.retryAfterSeconds ?? 1, 0), 60)
                guard pause(milliseconds: seconds * 1_000) else { break }
                continue
            case .success(let response) where response.statusCode >= 500:
                report(state.breaker.recordFailure(nowMilliseconds: MonotonicClock.nowMilliseconds()), state.breaker)
                client.log.log(.warning, "capture rejected with HTTP \(response.statusCode); retrying")
            case .success(let response):
                // 4xx: the server answered; logged, not counted by the breaker.
                report(state.breaker.recordSuccess(nowMilliseconds: MonotonicClock.nowMilliseconds()), state.breaker)
                client.log.log(.warning, "capture rejected with HTTP \(response.statusCode)")
                client.stats.add(.failed)
                return
            case .failure(let error):
                report(state.breaker.recordFailure(nowMilliseconds: MonotonicClock.nowMilliseconds()), state.breaker)
                client.log.log(.warning, "capture not delivered: \(error.kind.rawValue)")
            }
            guard attempt + 1 < Self.maxAttempts,
                  pause(milliseconds: backoff.nextDelayMilliseconds(using: &state.random)) else { break }
        }
        client.stats.add(.failed)
    }

    private var breakerConfiguration: CircuitBreaker.Configuration {
        let settings = client.options.circuitBreaker
        return CircuitBreaker.Configuration(maxFailures: settings.maxFailures,
                                            windowMilliseconds: UInt64(settings.windowMs),
                                            cooldownMilliseconds: UInt64(settings.cooldownMs))
    }

    /// Mirrors the breaker for the caller's path, logs an opening once and
    /// queues the trip event for the next poll (as the Go SDK reports it).
    private func report(_ transition: CircuitBreaker.Transition?, _ breaker: CircuitBreaker) {
        client.circuitState.withLock { $0 = breaker.state }
        switch transition {
        case .opened, .reopened:
            let cooldownNs = UInt64(client.options.circuitBreaker.cooldownMs) &* 1_000_000
            client.circuitOpenUntilNs.store(MonotonicClock.nowNanoseconds() &+ cooldownNs, ordering: .releasing)
        case .closed:
            client.circuitOpenUntilNs.store(0, ordering: .releasing)
        case .halfOpened, nil:
            break
        }
        guard case .opened(let trip) = transition else { return }
        client.log.log(.warning, "circuit breaker open")
        let event: JSONValue = .object([
            "type": .string("circuit_breaker_tripped"), "service_name": .string(client.options.serviceName),
            "failure_count": .int(Int64(trip.failureCount)), "window_seconds": .int(Int64(trip.windowSeconds)),
            "cooldown_seconds": .int(Int64(trip.cooldownSeconds)), "timestamp": .string(RFC3339.now()),
        ])
        client.pendingEvents.withLock { events in if events.count < 100 { events.append(event) } }
    }

    /// Sleeps in short steps; false if shutdown interrupted it.
    private func pause(milliseconds: Int) -> Bool {
        let end = MonotonicClock.nowNanoseconds() &+ UInt64(max(0, milliseconds)) &* 1_000_000
        while MonotonicClock.nowNanoseconds() < end {
            if client.haltRequested { return false }
            var step = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&step, nil)
        }
        return !client.haltRequested
    }

    // MARK: - Auto-registration

    private func registerSites(session: HTTPSession, state: inout State) {
        while let key = client.registrations.pop(deadlineNs: 0) {
            client.registrations.finished()
            state.registrationsPending.append(PendingRegistration(key: key, attempts: 0, notBeforeNs: 0))
        }
        let now = MonotonicClock.nowNanoseconds()
        guard let index = state.registrationsPending.firstIndex(where: { $0.notBeforeNs <= now }) else { return }
        var pending = state.registrationsPending.remove(at: index)
        if register(pending.key, session: session) {
            client.stats.add(.registrations)
            client.refreshRequested.store(true, ordering: .relaxed)
            return
        }
        client.stats.add(.registrationErrors)
        pending.attempts += 1
        guard pending.attempts < 10 else { return }
        var backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 300_000, jitter: .full)
        for _ in 0..<pending.attempts { _ = backoff.nextDelayMilliseconds(using: &state.random) }
        pending.notBeforeNs = now &+ UInt64(backoff.nextDelayMilliseconds(using: &state.random)) &* 1_000_000
        state.registrationsPending.append(pending)
    }

    private func register(_ key: SiteKey, session: HTTPSession) -> Bool {
        let body: JSONValue = .object([
            "service_name": .string(client.options.serviceName), "file_path": .string(key.file),
            "line_number": .int(Int64(key.line)), "function_name": .string(key.function), "label": .string(key.label),
        ])
        let request = HTTPRequest(method: .post, url: client.url("/sdk/snapshots/auto-register"),
                                  headers: client.requestHeaders, body: Array(body.jsonText.utf8),
                                  connectTimeoutMilliseconds: min(2_000, client.requestTimeoutMs),
                                  totalTimeoutMilliseconds: client.requestTimeoutMs, maxResponseBytes: 64 * 1024)
        if case .success(let response) = session.send(request), (200...299).contains(response.statusCode) { return true }
        return false
    }
}
