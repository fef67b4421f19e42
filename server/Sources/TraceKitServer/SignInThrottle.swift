import Synchronization

/// Limits failed dashboard sign-ins per client address: after `maxFailures`
/// in `window` seconds, further attempts from that address are refused
/// (429 with Retry-After) until the window ends, so an admin key cannot be
/// guessed at network speed. At most `capacity` addresses are tracked
/// (the stalest are forgotten first), so memory stays bounded.
final class SignInThrottle: Sendable {
    private struct Failures {
        var count: Int
        var windowStart: Double
    }

    private let failures = Mutex<[String: Failures]>([:])
    let maxFailures: Int
    let window: Double
    let capacity: Int

    init(maxFailures: Int = 10, window: Double = 60, capacity: Int = 10_000) {
        self.maxFailures = max(maxFailures, 1)
        self.window = window
        self.capacity = max(capacity, 1)
    }

    /// Seconds until `address` may try again, or nil if it may try now.
    func retryAfter(address: String, now: Double) -> Int? {
        failures.withLock { failures in
            guard let entry = failures[address], now - entry.windowStart < window, entry.count >= maxFailures else { return nil }
            return max(1, Int((entry.windowStart + window - now).rounded(.up)))
        }
    }

    func recordFailure(address: String, now: Double) {
        failures.withLock { failures in
            if var entry = failures[address], now - entry.windowStart < window {
                entry.count += 1
                failures[address] = entry
                return
            }
            if failures.count >= capacity {
                failures = failures.filter { now - $0.value.windowStart < window }
                if failures.count >= capacity, let stalest = failures.min(by: { $0.value.windowStart < $1.value.windowStart }) {
                    failures.removeValue(forKey: stalest.key)
                }
            }
            failures[address] = Failures(count: 1, windowStart: now)
        }
    }

    func recordSuccess(address: String) {
        _ = failures.withLock { $0.removeValue(forKey: address) }
    }
}
