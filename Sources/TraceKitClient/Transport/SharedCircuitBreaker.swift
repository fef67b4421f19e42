import Synchronization
import TraceKitCore

/// The client's circuit breaker, one owner for all of its state: the sender
/// asks it before each delivery and reports each delivery's outcome; the
/// caller's path asks whether captures are suppressed (one atomic load);
/// stats read its state. A delivery is one snapshot with all its retries,
/// so "3 failures in 60 s" means three snapshots that could not be sent,
/// however many HTTP attempts each took.
final class SharedCircuitBreaker: Sendable {
    private let machine: Mutex<CircuitBreaker>
    /// While open: when the cooldown ends (monotonic ns), after which
    /// captures flow again so that one can be the probe. 0 otherwise.
    private let cooldownEndNs = Atomic<UInt64>(0)

    init(_ configuration: CircuitBreaker.Configuration) {
        machine = Mutex(CircuitBreaker(configuration: configuration))
    }

    /// For the caller's path: true while open and cooling down.
    func suppressesCaptures(nowNs: UInt64) -> Bool {
        nowNs < cooldownEndNs.load(ordering: .relaxed)
    }

    /// When the cooldown ends (monotonic ns); 0 when not open.
    var cooldownEnd: UInt64 { cooldownEndNs.load(ordering: .relaxed) }

    var state: CircuitBreaker.State { machine.withLock { $0.state } }

    /// Before a delivery: whether it may go out (a `.probe` must be followed
    /// by `record`), and the transition that caused.
    func admit() -> (CircuitBreaker.Decision, CircuitBreaker.Transition?) {
        machine.withLock { $0.decide(nowMilliseconds: MonotonicClock.nowMilliseconds()) }
    }

    /// After a delivery: `delivered` when the server answered (2xx, or a 4xx
    /// it will never accept), false when every attempt failed (5xx, network).
    func record(delivered: Bool) -> CircuitBreaker.Transition? {
        let now = MonotonicClock.nowMilliseconds()
        return machine.withLock { breaker in
            let transition = delivered ? breaker.recordSuccess(nowMilliseconds: now)
                                       : breaker.recordFailure(nowMilliseconds: now)
            switch transition {
            case .opened, .reopened:
                let cooldownNs = breaker.configuration.cooldownMilliseconds &* 1_000_000
                cooldownEndNs.store(MonotonicClock.nowNanoseconds() &+ cooldownNs, ordering: .releasing)
            case .closed:
                cooldownEndNs.store(0, ordering: .releasing)
            case .halfOpened, nil:
                break
            }
            return transition
        }
    }
}
