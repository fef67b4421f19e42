import Synchronization
import TraceKitCore

/// A process-wide rate limit ("at most N snapshots per second", docs/ARCHITECTURE.md "Capture semantics"):
/// a bucket of `rate` tokens refilled continuously at `rate` per second; each
/// capture takes one. Burst = rate. A rate of 0 means unlimited.
///
/// Thread-safe: many application threads call `tryTake` at once. The lock is
/// held for a few arithmetic operations only.
public final class TokenBucket: Sendable {
    /// Tokens are counted in billionths so that refill needs no division:
    /// one nanosecond at `rate` tokens/s adds exactly `rate` units.
    private static let unitsPerToken: UInt64 = 1_000_000_000

    public let ratePerSecond: Int
    private let capacityUnits: UInt64
    private let state: Mutex<State>
    /// While the bucket is empty: when its next token is due (monotonic ns).
    /// Lets a refused take skip the lock; 0 when a token may be there.
    private let emptyUntilNs = Atomic<UInt64>(0)

    private struct State {
        var units: UInt64
        var lastRefillNs: UInt64?
    }

    /// `ratePerSecond` ≤ 0 means unlimited; values are capped at 10⁶/s.
    public init(ratePerSecond: Int) {
        let rate = min(max(0, ratePerSecond), 1_000_000)
        self.ratePerSecond = rate
        capacityUnits = UInt64(rate) * Self.unitsPerToken
        state = Mutex(State(units: UInt64(rate) * Self.unitsPerToken, lastRefillNs: nil))
    }

    /// While empty: when the next token is due (monotonic ns); else 0.
    var emptyUntil: UInt64 { emptyUntilNs.load(ordering: .relaxed) }

    /// Takes one token if there is one. `nowNs` is monotonic time
    /// (`MonotonicClock.nowNanoseconds()`); a time earlier than the last one
    /// seen adds nothing.
    public func tryTake(nowNs: UInt64) -> Bool {
        guard ratePerSecond > 0 else { return true }
        if nowNs < emptyUntilNs.load(ordering: .relaxed) { return false }
        let rate = UInt64(ratePerSecond)
        return state.withLock { state in
            if let last = state.lastRefillNs, nowNs > last {
                let (added, overflow) = (nowNs - last).multipliedReportingOverflow(by: rate)
                let (sum, sumOverflow) = state.units.addingReportingOverflow(added)
                state.units = overflow || sumOverflow ? capacityUnits : min(capacityUnits, sum)
            }
            if state.lastRefillNs.map({ nowNs > $0 }) ?? true { state.lastRefillNs = nowNs }
            guard state.units >= Self.unitsPerToken else {
                // One unit per ns per token/s: the missing units arrive in that many ns / rate.
                let base = state.lastRefillNs ?? nowNs
                emptyUntilNs.store(base &+ (Self.unitsPerToken - state.units + rate - 1) / rate, ordering: .relaxed)
                return false
            }
            state.units -= Self.unitsPerToken
            return true
        }
    }
}
