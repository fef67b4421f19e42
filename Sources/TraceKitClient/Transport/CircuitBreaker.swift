import TraceKitCore

/// The capture sender's circuit breaker (docs/ARCHITECTURE.md "Capture
/// semantics"): after `maxFailures` failed deliveries within
/// `windowMilliseconds` it opens and refuses every delivery; after
/// `cooldownMilliseconds` it lets exactly one probe through (half-open); the
/// probe's success closes it, its failure opens it again. A delivery is one
/// snapshot with its retries (see `SharedCircuitBreaker`).
///
/// A pure state machine: time comes in as an argument (monotonic
/// milliseconds), nothing here sleeps or locks. The methods return the
/// transition they caused, so the caller logs "circuit breaker open" once
/// per opening and reports one trip event.
public struct CircuitBreaker: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var maxFailures: Int
        public var windowMilliseconds: UInt64
        public var cooldownMilliseconds: UInt64

        /// docs/ARCHITECTURE.md "Capture semantics" defaults: 3 failures within 60 s, 5 minutes' cooldown.
        public init(maxFailures: Int = 3, windowMilliseconds: UInt64 = 60_000,
                    cooldownMilliseconds: UInt64 = 300_000) {
            self.maxFailures = max(1, maxFailures)
            self.windowMilliseconds = windowMilliseconds
            self.cooldownMilliseconds = cooldownMilliseconds
        }
    }

    public enum State: Sendable, Equatable {
        case closed, open, halfOpen

        /// The name used in `tk_client_stats` ("closed", "open", "half_open").
        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }

    /// What the breaker says about a request the caller wants to make.
    public enum Decision: Sendable, Equatable {
        /// Send it (the circuit is closed).
        case allowed
        /// Send it: it is the single half-open probe. Its outcome MUST be
        /// reported (`recordSuccess`/`recordFailure`): until then every other
        /// request is refused.
        case probe
        /// Do not send it (open, or a probe is already in flight).
        case refused
    }

    /// The numbers of the `circuit_breaker_tripped` event
    /// (`{"type":"circuit_breaker_tripped","failure_count","window_seconds","cooldown_seconds"}`).
    public struct Trip: Sendable, Equatable {
        public var failureCount: Int
        public var windowSeconds: UInt64
        public var cooldownSeconds: UInt64
    }

    public enum Transition: Sendable, Equatable {
        /// Closed -> open: too many failures in the window. Log and report once.
        case opened(Trip)
        /// Open -> half-open: the cooldown passed; the probe is going out.
        case halfOpened
        /// Half-open -> closed: the probe succeeded.
        case closed
        /// Half-open -> open: the probe failed; another cooldown starts.
        case reopened
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed
    // Times of the recent failures while closed, oldest first; at most
    // maxFailures entries, so memory is bounded whatever the failure rate.
    private var failureTimes: [UInt64] = []
    private var openedAtMilliseconds: UInt64 = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Failures counted in the current window (closed state).
    public var recentFailureCount: Int { failureTimes.count }

    /// Asks whether a request may go out now; may move open -> half-open.
    public mutating func decide(nowMilliseconds now: UInt64) -> (Decision, Transition?) {
        switch state {
        case .closed:
            return (.allowed, nil)
        case .halfOpen:
            return (.refused, nil)  // the one probe is in flight
        case .open:
            guard now &- openedAtMilliseconds >= configuration.cooldownMilliseconds, now >= openedAtMilliseconds
            else { return (.refused, nil) }
            state = .halfOpen
            return (.probe, .halfOpened)
        }
    }

    /// Reports a delivery the server answered (2xx, or a 4xx).
    public mutating func recordSuccess(nowMilliseconds now: UInt64) -> Transition? {
        guard state == .halfOpen else { return nil }
        state = .closed
        failureTimes.removeAll()
        return .closed
    }

    /// Reports a delivery whose attempts all failed (5xx or network errors).
    public mutating func recordFailure(nowMilliseconds now: UInt64) -> Transition? {
        switch state {
        case .open:
            return nil  // a request that started before the circuit opened
        case .halfOpen:
            open(at: now)
            return .reopened
        case .closed:
            failureTimes.removeAll { now &- $0 >= configuration.windowMilliseconds || $0 > now }
            failureTimes.append(now)
            if failureTimes.count > configuration.maxFailures { failureTimes.removeFirst() }
            guard failureTimes.count >= configuration.maxFailures else { return nil }
            let count = failureTimes.count
            open(at: now)
            return .opened(Trip(
                failureCount: count,
                windowSeconds: configuration.windowMilliseconds / 1000,
                cooldownSeconds: configuration.cooldownMilliseconds / 1000))
        }
    }

    private mutating func open(at now: UInt64) {
        state = .open
        openedAtMilliseconds = now
        failureTimes.removeAll()
    }
}
