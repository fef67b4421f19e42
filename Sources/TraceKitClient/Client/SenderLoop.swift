import TraceKitCore

/// The sender thread: several snapshots in flight at once (at most
/// `maxInFlight`, on one libcurl multi handle), each with its own retries
/// and backoff for network errors and 5xx, 429 with Retry-After; the circuit
/// breaker (one failure per snapshot whose attempts all failed; once open,
/// the snapshots still in flight make no further attempts); and
/// auto-registrations of new sites (one at a time, on the same connections).
///
/// The thread waits inside its transport and nowhere else: a finished
/// transfer, the next retry or registration time, the end of a gather
/// window, the queue's doorbell (at the first snapshot when idle, at a full
/// batch while gathering) or shutdown (the wake signal) ends the wait.
///
/// Gathering: once it took snapshots, the sender leaves the next ones
/// queued for up to `gatherWindowNs`, until a full batch (`maxInFlight`) is
/// there (the doorbell rings at that count, not at the first) or a flush
/// waits, so a steady stream of captures costs one wake-up per batch, not
/// one per capture, and no doorbell for most capturing threads.
struct SenderLoop {
    /// What the sender uses of the client, and nothing else.
    struct Context: Sendable {
        /// Its doorbell must wake `wake`.
        let outbox: WaitQueue<OutgoingSnapshot>
        /// Its doorbell must wake `wake`.
        let registrations: WaitQueue<SiteKey>
        let transports: TransportFactory
        let backend: BackendRequests
        let breaker: SharedCircuitBreaker
        let stats: ClientStats
        let log: RateLimitedLog
        /// Woken by new work; halted by shutdown.
        let wake: WakeSignal
        /// Snapshots being delivered at once, retry pauses included.
        let maxInFlight: Int
        /// After taking snapshots, how long the next ones may wait in the
        /// queue for a full batch (`Options.senderGatherMs`).
        let gatherWindowNs: UInt64
        /// Queues a telemetry event for the next poll.
        let reportEvent: @Sendable (JSONValue) -> Void
        /// Asks the sync thread to fetch the breakpoints now (after an
        /// auto-registration, whose breakpoint the server may have enabled).
        let refreshBreakpoints: @Sendable () -> Void
    }

    let context: Context
    static let maxAttempts = 3
    /// The longest wait with nothing to do (a wake ends it earlier).
    private static let idleWaitMs = 60_000

    func run() {
        guard let session = try? context.transports.make() else {
            context.log.log(.error, "could not create an HTTP session; snapshots will not be sent")
            return
        }
        context.wake.attach(session.wakeUp)
        var state = State()
        while !context.wake.isHalted {
            let now = MonotonicClock.nowNanoseconds()
            resumeRetries(now: now, session: session, state: &state)
            takeSnapshots(now: now, session: session, state: &state)
            takeRegistrations(now: now, session: session, state: &state)
            let waitMs = parkQueues(state, now: now)
                ? state.millisecondsUntilNextTimer(now: now, idle: Self.idleWaitMs, maxInFlight: context.maxInFlight) : 0
            let finished = session.completedTransfers(waitingUpToMs: waitMs)
            context.outbox.unparkConsumer()
            context.registrations.unparkConsumer()
            for transfer in finished { complete(transfer, state: &state) }
        }
        // Nothing may call into the session once it is gone.
        context.wake.detach()
        abandon(state)
        withExtendedLifetime(session) {}
    }

    /// Parks on both queues (a push then wakes this thread); false when one
    /// has something this thread should take first. The outbox is watched
    /// only while a snapshot could be taken from it: for the first snapshot,
    /// or while gathering for a full batch.
    private func parkQueues(_ state: State, now: UInt64) -> Bool {
        let batch = now < state.gatherUntilNs ? context.maxInFlight : 1
        if state.canTakeSnapshot(maxInFlight: context.maxInFlight),
           !context.outbox.parkConsumer(untilCount: batch) { return false }
        return context.registrations.parkConsumer()
    }

    // MARK: - Snapshots

    /// One snapshot and how its attempts went.
    private struct Delivery {
        var body: [UInt8]
        /// The half-open circuit's single probe: nothing else goes out until it ends.
        var isProbe: Bool
        var attempts = 0
        var backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 2_000, jitter: .full)
        /// How the latest attempt went.
        var outcome = Outcome.failed
        /// While pausing between attempts: when to try again (monotonic ns).
        var retryAtNs: UInt64 = 0
    }

    /// How one snapshot's delivery ended (or its latest attempt went).
    private enum Outcome {
        /// The server took it (2xx).
        case delivered
        /// The server answered but did not take it (4xx, or 429 to the
        /// last attempt): the backend is up, so not a failure for the breaker.
        case refused
        /// The last attempt failed (network, 5xx).
        case failed
    }

    private func takeSnapshots(now: UInt64, session: any HTTPTransport, state: inout State) {
        if now < state.gatherUntilNs, context.outbox.holdsFewer(than: context.maxInFlight) { return }
        while state.canTakeSnapshot(maxInFlight: context.maxInFlight), let snapshot = context.outbox.pop() {
            state.gatherUntilNs = now &+ context.gatherWindowNs
            let (decision, transition) = context.breaker.admit()
            report(transition)
            guard decision != .refused else {
                context.stats.add(.droppedCircuitOpen)
                context.outbox.finished()
                continue
            }
            state.probeInFlight = decision == .probe
            attempt(Delivery(body: snapshot.finish(), isProbe: decision == .probe), session: session, state: &state)
        }
    }

    private func attempt(_ delivery: Delivery, session: any HTTPTransport, state: inout State) {
        var delivery = delivery
        if delivery.attempts > 0 { context.stats.add(.retried) }
        delivery.attempts += 1
        let tag = state.newTag()
        state.deliveries[tag] = delivery
        session.start(context.backend.captureSnapshot(delivery.body), tag: tag)
    }

    private func resumeRetries(now: UInt64, session: any HTTPTransport, state: inout State) {
        guard state.pausing.contains(where: { $0.retryAtNs <= now }) else { return }
        let due = state.pausing.filter { $0.retryAtNs <= now }
        state.pausing.removeAll { $0.retryAtNs <= now }
        for delivery in due {
            // Another snapshot opened the circuit meanwhile: no more tries
            // into a backend that is down.
            if context.breaker.suppressesCaptures(nowNs: now) {
                conclude(delivery, delivery.outcome, state: &state)
            } else {
                attempt(delivery, session: session, state: &state)
            }
        }
    }

    /// One attempt ended: retry after a pause, or conclude the delivery.
    private func attemptEnded(_ delivery: Delivery, _ result: HTTPResponseResult, state: inout State) {
        var delivery = delivery
        var pauseMs = delivery.backoff.nextDelayMilliseconds(using: &state.random)
        switch result {
        case .success(let response) where (200...299).contains(response.statusCode):
            return conclude(delivery, .delivered, state: &state)
        case .success(let response) where response.statusCode == 429:
            // The server asks us to wait (bounded): an attempt, but the
            // backend is up, so not a failure for the breaker.
            delivery.outcome = .refused
            pauseMs = min(max(response.retryAfterSeconds ?? 1, 0), 60) * 1_000
        case .success(let response) where response.statusCode >= 500:
            delivery.outcome = .failed
            context.log.log(.warning, "capture rejected with HTTP \(response.statusCode); retrying")
        case .success(let response):
            context.log.log(.warning, "capture rejected with HTTP \(response.statusCode)")
            return conclude(delivery, .refused, state: &state)
        case .failure(let error):
            delivery.outcome = .failed
            context.log.log(.warning, "capture not delivered: \(error.kind.rawValue)")
        }
        let now = MonotonicClock.nowNanoseconds()
        guard delivery.attempts < Self.maxAttempts, !context.breaker.suppressesCaptures(nowNs: now) else {
            return conclude(delivery, delivery.outcome, state: &state)
        }
        delivery.retryAtNs = now &+ UInt64(pauseMs) &* 1_000_000
        state.pausing.append(delivery)
    }

    private func conclude(_ delivery: Delivery, _ outcome: Outcome, state: inout State) {
        if delivery.isProbe { state.probeInFlight = false }
        context.stats.add(outcome == .delivered ? .sent : .failed)
        report(context.breaker.record(delivered: outcome != .failed))
        context.outbox.finished()
    }

    /// Shutdown: what is still in flight or pausing is dropped, and counted as failed.
    private func abandon(_ state: State) {
        for _ in 0..<(state.deliveries.count + state.pausing.count) {
            context.stats.add(.failed)
            context.outbox.finished()
        }
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

    private struct PendingRegistration {
        var key: SiteKey
        var attempts = 0
        var notBeforeNs: UInt64 = 0
    }

    private func takeRegistrations(now: UInt64, session: any HTTPTransport, state: inout State) {
        while let key = context.registrations.pop() {
            context.registrations.finished()
            state.registrationsPending.append(PendingRegistration(key: key))
        }
        guard state.registrationInFlight == nil,
              let index = state.registrationsPending.firstIndex(where: { $0.notBeforeNs <= now }) else { return }
        let registration = state.registrationsPending.remove(at: index)
        let tag = state.newTag()
        state.registrationInFlight = (tag, registration)
        session.start(context.backend.autoRegister(registration.key), tag: tag)
    }

    private func registrationEnded(_ registration: PendingRegistration, _ result: HTTPResponseResult, state: inout State) {
        if case .success(let response) = result, (200...299).contains(response.statusCode) {
            context.stats.add(.registrations)
            context.refreshBreakpoints()
            return
        }
        context.stats.add(.registrationErrors)
        var pending = registration
        pending.attempts += 1
        guard pending.attempts < 10 else { return }
        var backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 300_000, jitter: .full)
        for _ in 0..<pending.attempts { _ = backoff.nextDelayMilliseconds(using: &state.random) }
        pending.notBeforeNs = MonotonicClock.nowNanoseconds() &+ UInt64(backoff.nextDelayMilliseconds(using: &state.random)) &* 1_000_000
        state.registrationsPending.append(pending)
    }

    // MARK: - State

    private func complete(_ transfer: CompletedTransfer, state: inout State) {
        if let delivery = state.deliveries.removeValue(forKey: transfer.tag) {
            attemptEnded(delivery, transfer.result, state: &state)
        } else if let registration = state.registrationInFlight, registration.tag == transfer.tag {
            state.registrationInFlight = nil
            registrationEnded(registration.registration, transfer.result, state: &state)
        }
    }

    private struct State {
        var random = SplitMix64()
        private var lastTag = 0
        /// Snapshots whose attempt is in flight, by transfer tag.
        var deliveries: [Int: Delivery] = [:]
        /// Snapshots between attempts.
        var pausing: [Delivery] = []
        var probeInFlight = false
        var registrationsPending: [PendingRegistration] = []
        var registrationInFlight: (tag: Int, registration: PendingRegistration)?
        /// Until then (monotonic ns) snapshots gather: they stay queued until a full batch is there.
        var gatherUntilNs: UInt64 = 0

        mutating func newTag() -> Int {
            lastTag &+= 1
            return lastTag
        }

        func canTakeSnapshot(maxInFlight: Int) -> Bool {
            !probeInFlight && deliveries.count + pausing.count < maxInFlight
        }

        /// Until the next retry or registration is due or the gather window
        /// ends, at most `idle`. Closures, not key paths: a key path's class
        /// is instantiated by the Swift runtime on first use, and a fork()
        /// during that on this thread left the child's sender waiting for it
        /// for good.
        func millisecondsUntilNextTimer(now: UInt64, idle: Int, maxInFlight: Int) -> Int {
            var next = pausing.map { $0.retryAtNs }.min() ?? UInt64.max
            if registrationInFlight == nil, let due = registrationsPending.map({ $0.notBeforeNs }).min() {
                next = min(next, due)
            }
            if gatherUntilNs > now, canTakeSnapshot(maxInFlight: maxInFlight) { next = min(next, gatherUntilNs) }
            guard next != UInt64.max else { return idle }
            return next <= now ? 0 : Int(min((next - now) / 1_000_000 + 1, UInt64(idle)))
        }
    }
}
