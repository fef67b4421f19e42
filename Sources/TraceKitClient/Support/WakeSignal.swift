import TraceKitCore

/// How one of the client's threads sleeps: until a deadline, an explicit
/// `wake()` (e.g. new work for it) or the `halt()` of shutdown, never by
/// polling a flag.
final class WakeSignal: @unchecked Sendable {
    private let lock = ConditionLock()
    private var halted = false
    private var woken = false

    private func locked<T>(_ body: () -> T) -> T { lock.locked(body) }

    var isHalted: Bool { locked { halted } }

    /// For good: every sleep returns false from now on.
    func halt() {
        locked { halted = true }
        lock.broadcast()
    }

    /// Ends the current (or next) sleep early, once.
    func wake() {
        locked { woken = true }
        lock.broadcast()
    }

    /// Sleeps until `deadlineNs` (monotonic), a `wake()` or the halt; false
    /// when halted.
    @discardableResult
    func sleep(untilNs deadlineNs: UInt64) -> Bool {
        locked {
            while !halted && !woken && lock.wait(untilNs: deadlineNs) {}
            woken = false
            return !halted
        }
    }

    /// Sleeps `milliseconds` (or until woken or halted); false when halted.
    @discardableResult
    func sleep(milliseconds: Int) -> Bool {
        sleep(untilNs: MonotonicClock.nowNanoseconds() &+ UInt64(max(0, milliseconds)) &* 1_000_000)
    }
}
