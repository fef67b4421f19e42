import CTraceKitSupport
import Glibc
import TraceKitCore

/// A pthread mutex with a condition variable on the monotonic clock: how the
/// client's threads wait for each other (`Synchronization.Mutex` has no
/// wait). Used by `WaitQueue` and `WakeSignal`.
final class ConditionLock: @unchecked Sendable {
    // Heap storage: pthread objects must not move, and Swift does not
    // promise that `&storedProperty` passes the property's own address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

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

    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Wakes every waiter.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Only inside `locked`: waits for a broadcast or until `deadlineNs`
    /// (monotonic); false once the deadline has passed. A library thread
    /// lets go of the fork gate while it waits, and takes it back before the
    /// mutex: the gate always comes first, so no thread sits on the mutex
    /// (making a caller's `push` wait) while a fork holds the gate.
    func wait(untilNs deadlineNs: UInt64) -> Bool {
        let seconds = min(deadlineNs / 1_000_000_000, UInt64(Int32.max))
        var deadline = timespec(tv_sec: Int(seconds), tv_nsec: Int(deadlineNs % 1_000_000_000))
        let gateWasHeld = tk_fork_gate_pause()
        let result = pthread_cond_timedwait(condition, mutex, &deadline)
        if gateWasHeld != 0 {
            pthread_mutex_unlock(mutex)
            tk_fork_gate_resume(gateWasHeld)
            pthread_mutex_lock(mutex)
        }
        return result == 0 || MonotonicClock.nowNanoseconds() < deadlineNs
    }
}
