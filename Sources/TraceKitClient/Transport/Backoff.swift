import TraceKitCore

/// Delays between retries: exponential, capped, with jitter so that many
/// clients failing together do not retry together (see "Exponential Backoff
/// and Jitter", AWS Architecture Blog, 2015).
///
/// A value type with no clock: the caller asks for the next delay after each
/// failure and calls `reset()` after a success.
public struct Backoff: Sendable {
    public enum Jitter: Sendable, Equatable {
        /// base·2ⁿ, capped: deterministic (tests, or a single client).
        case none
        /// A uniform draw in 0 … min(cap, base·2ⁿ).
        case full
        /// A uniform draw in base … 3·previous, capped: spreads retries
        /// while keeping some memory of the last delay.
        case decorrelated
    }

    public let baseMilliseconds: Int
    public let capMilliseconds: Int
    public let jitter: Jitter
    /// Failures since the last reset (the exponent n).
    public private(set) var attempt: Int = 0
    private var previousMilliseconds: Int

    /// `base` and `cap` are clamped to be ≥ 1 and cap ≥ base.
    public init(baseMilliseconds: Int, capMilliseconds: Int, jitter: Jitter = .full) {
        let base = max(1, baseMilliseconds)
        self.baseMilliseconds = base
        self.capMilliseconds = max(base, capMilliseconds)
        self.jitter = jitter
        previousMilliseconds = base
    }

    /// The delay before the next attempt, in milliseconds, always within
    /// 0 … capMilliseconds.
    public mutating func nextDelayMilliseconds<R: RandomNumberGenerator>(using random: inout R) -> Int {
        let ceiling = exponentialCeiling()
        attempt = attempt < 62 ? attempt + 1 : attempt
        switch jitter {
        case .none:
            return ceiling
        case .full:
            return Int.random(in: 0...ceiling, using: &random)
        case .decorrelated:
            // previous ≥ base and cap ≥ base, so the range is never empty.
            let (tripled, overflow) = previousMilliseconds.multipliedReportingOverflow(by: 3)
            let upper = overflow ? capMilliseconds : min(capMilliseconds, tripled)
            let delay = Int.random(in: baseMilliseconds...max(baseMilliseconds, upper), using: &random)
            previousMilliseconds = delay
            return delay
        }
    }

    /// Forgets past failures (call after a success).
    public mutating func reset() {
        attempt = 0
        previousMilliseconds = baseMilliseconds
    }

    /// min(cap, base·2^attempt), without overflow.
    private func exponentialCeiling() -> Int {
        guard attempt < 62 else { return capMilliseconds }
        let (value, overflow) = baseMilliseconds.multipliedReportingOverflow(by: 1 << attempt)
        return overflow ? capMilliseconds : min(capMilliseconds, value)
    }
}
