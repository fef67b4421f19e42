import Glibc

/// How one of the client's threads sleeps: until a deadline, an explicit
/// `wake()` (e.g. new work for it) or the `halt()` of shutdown, never by
/// polling a flag. pthread mutex + condition variable because
/// `Synchronization.Mutex` has no wait.
final class WakeSignal: @unchecked Sendable {
    // Heap storage: pthread objects must not move, and Swift does not
    // promise that `&storedProperty` passes the property's own address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var halted = false
    private var woken = false

    init() {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deinitialize(count: 1)
        mutex.deinitialize(count: 1)
        condition.deallocate()
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    var isHalted: Bool { locked { halted } }

    /// For good: every sleep returns false from now on.
    func halt() {
        locked { halted = true }
        pthread_cond_broadcast(condition)
    }

    /// Ends the current (or next) sleep early, once.
    func wake() {
        locked { woken = true }
        pthread_cond_broadcast(condition)
    }

    /// Sleeps until `deadlineNs` (monotonic), a `wake()` or the halt; false
    /// when halted.
    @discardableResult
    func sleep(untilNs deadlineNs: UInt64) -> Bool {
        locked {
            let seconds = min(deadlineNs / 1_000_000_000, UInt64(Int32.max))
            var deadline = timespec(tv_sec: Int(seconds), tv_nsec: Int(deadlineNs % 1_000_000_000))
            while !halted && !woken && MonotonicClock.nowNanoseconds() < deadlineNs {
                _ = pthread_cond_timedwait(condition, mutex, &deadline)
            }
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
