import TraceKitCore

/// How one of the client's threads waits: until a deadline, an explicit
/// `wake()` (e.g. new work for it) or the `halt()` of shutdown, never by
/// polling a flag. A thread that waits inside its transport instead (libcurl's
/// poll) attaches the transport's `wakeUp`, and `wake`/`halt` call it too.
final class WakeSignal: @unchecked Sendable {
    private let lock = ConditionLock()
    private var halted = false
    private var woken = false
    private var interrupt: (@Sendable () -> Void)?

    private func locked<T>(_ body: () -> T) -> T { lock.locked(body) }

    var isHalted: Bool { locked { halted } }

    /// For good: every sleep returns false from now on.
    func halt() {
        locked {
            halted = true
            interrupt?()
        }
        lock.broadcast()
    }

    /// Ends the current (or next) sleep early, once.
    func wake() {
        locked {
            woken = true
            interrupt?()
        }
        lock.broadcast()
    }

    /// From now on `wake` and `halt` also call `interrupt` (e.g.
    /// `curl_multi_wakeup`), under this signal's lock, so that `detach`
    /// returns only once no call is running: detach before what it wakes goes.
    func attach(_ interrupt: @escaping @Sendable () -> Void) {
        locked { self.interrupt = interrupt }
    }

    func detach() {
        locked { interrupt = nil }
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
}
