import TraceKitCore

/// A bounded FIFO between caller threads (producers) and one background
/// thread (consumer). `push` never blocks: when full it refuses. `pop` never
/// waits either: the consumer waits elsewhere (the sender in libcurl) after
/// parking, and the push that brings the queue to the count it parked for
/// rings its doorbell. `waitUntilDrained` (flush,
/// shutdown) waits on the condition variable for the consumer's `finished`.
final class WaitQueue<Element>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var inFlight = 0
    /// The parked consumer's count (0: not parked): the push reaching it rings.
    private var ringAtCount = 0
    /// Threads in `waitUntilDrained`: the consumer should take everything now.
    private var drainWaiters = 0
    /// Rung by a `push` that reaches the parked consumer's count, outside the lock.
    private let doorbell: (@Sendable () -> Void)?
    let capacity: Int

    init(capacity: Int, doorbell: (@Sendable () -> Void)? = nil) {
        self.capacity = capacity
        self.doorbell = doorbell
    }

    private func locked<T>(_ body: () -> T) -> T { lock.locked(body) }

    var count: Int { locked { items.count - head } }

    /// Adds `item` unless full or closed; never waits. Rings the doorbell
    /// only when that brings the queue to the count the consumer parked for,
    /// so a busy consumer costs producers no wake-up.
    func push(_ item: Element) -> Bool {
        let (accepted, ring) = locked { () -> (Bool, Bool) in
            guard !closed, items.count - head < capacity else { return (false, false) }
            items.append(item)
            guard ringAtCount > 0, items.count - head >= ringAtCount else { return (true, false) }
            ringAtCount = 0
            return (true, true)
        }
        guard accepted else { return false }
        lock.broadcast()
        if ring { doorbell?() }
        return true
    }

    /// The consumer is about to wait somewhere else until `count` items are
    /// queued (1 while a thread waits for the drain): true when fewer are,
    /// and then the push that makes the count rings the doorbell; false when
    /// there are that many to take first.
    func parkConsumer(untilCount count: Int = 1) -> Bool {
        locked {
            let count = drainWaiters > 0 ? 1 : max(1, count)
            guard items.count - head < count else { return false }
            ringAtCount = count
            return true
        }
    }

    /// Fewer than `count` items are queued and no thread waits for the
    /// drain: a consumer gathering a batch may leave them for now.
    func holdsFewer(than count: Int) -> Bool {
        locked { drainWaiters == 0 && items.count - head < count }
    }

    /// The consumer is awake again: pushes need not ring.
    func unparkConsumer() {
        locked { ringAtCount = 0 }
    }

    /// The next item, nil when there is none. The consumer calls
    /// `finished()` when done with it (for `waitUntilDrained`).
    func pop() -> Element? {
        locked {
            guard head < items.count else { return nil }
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
        lock.broadcast()
    }

    /// Waits until nothing is queued or in flight, or the deadline; true if
    /// drained. Rings the doorbell first: a consumer leaving items queued on
    /// purpose (the sender gathering) takes them at once while this waits.
    func waitUntilDrained(deadlineNs: UInt64) -> Bool {
        locked { drainWaiters += 1 }
        defer { locked { drainWaiters -= 1 } }
        doorbell?()
        return locked {
            while head < items.count || inFlight > 0 {
                if !lock.wait(untilNs: deadlineNs) { return head == items.count && inFlight == 0 }
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
        lock.broadcast()
        return rest
    }

    func close() {
        locked { closed = true }
        lock.broadcast()
    }
}
