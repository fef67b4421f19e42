import Glibc

/// A bounded FIFO between caller threads (producers) and one background
/// thread (consumer). `push` never blocks: when full it refuses. `pop` waits
/// up to a deadline. pthread mutex + condition variable because
/// `Synchronization.Mutex` has no wait.
final class WaitQueue<Element>: @unchecked Sendable {
    // Heap storage: pthread objects must not move, and Swift does not
    // promise that `&storedProperty` passes the property's own address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var inFlight = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
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

    var count: Int { locked { items.count - head } }

    /// Queued plus popped-but-not-finished items.
    var pending: Int { locked { items.count - head + inFlight } }

    /// Adds `item` unless full or closed; never waits.
    func push(_ item: Element) -> Bool {
        let accepted = locked { () -> Bool in
            guard !closed, items.count - head < capacity else { return false }
            items.append(item)
            return true
        }
        if accepted { pthread_cond_broadcast(condition) }
        return accepted
    }

    /// The next item, waiting until `deadlineNs` (monotonic) at most; nil on
    /// timeout or when closed and empty. The consumer calls `finished()`
    /// when done with it (for `waitUntilDrained`).
    func pop(deadlineNs: UInt64) -> Element? {
        locked {
            while head == items.count {
                if closed { return nil }
                if !wait(until: deadlineNs) { return nil }
            }
            let item = items[head]
            head += 1
            inFlight += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    func finished() {
        locked { inFlight = max(0, inFlight - 1) }
        pthread_cond_broadcast(condition)
    }

    /// Waits until nothing is queued or in flight, or the deadline; true if drained.
    func waitUntilDrained(deadlineNs: UInt64) -> Bool {
        locked {
            while head < items.count || inFlight > 0 {
                if !wait(until: deadlineNs) { return head == items.count && inFlight == 0 }
            }
            return true
        }
    }

    /// Empties the queue, returning what was in it.
    func drain() -> [Element] {
        let rest: [Element] = locked {
            let rest = Array(items[head...])
            items.removeAll()
            head = 0
            return rest
        }
        pthread_cond_broadcast(condition)
        return rest
    }

    func close() {
        locked { closed = true }
        pthread_cond_broadcast(condition)
    }

    /// Wakes waiters without adding anything (e.g. to re-check a stop flag).
    func wake() { pthread_cond_broadcast(condition) }

    /// Must hold the mutex. False when the deadline passed.
    private func wait(until deadlineNs: UInt64) -> Bool {
        var deadline = timespec(tv_sec: Int(deadlineNs / 1_000_000_000), tv_nsec: Int(deadlineNs % 1_000_000_000))
        let result = pthread_cond_timedwait(condition, mutex, &deadline)
        return result == 0 || MonotonicClock.nowNanoseconds() < deadlineNs
    }
}
