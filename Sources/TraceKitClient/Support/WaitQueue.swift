import TraceKitCore

/// A bounded FIFO between caller threads (producers) and one background
/// thread (consumer). `push` never blocks: when full it refuses. `pop` never
/// waits either: the consumer waits elsewhere (the sender in libcurl) after
/// parking, and the next `push` rings its doorbell. `waitUntilDrained` (flush,
/// shutdown) waits on the condition variable for the consumer's `finished`.
final class WaitQueue<Element>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var inFlight = 0
    private var consumerParked = false
    /// Rung by the first `push` after `parkConsumer`, outside the lock.
    private let doorbell: (@Sendable () -> Void)?
    let capacity: Int

    init(capacity: Int, doorbell: (@Sendable () -> Void)? = nil) {
        self.capacity = capacity
        self.doorbell = doorbell
    }

    private func locked<T>(_ body: () -> T) -> T { lock.locked(body) }

    var count: Int { locked { items.count - head } }

    /// Adds `item` unless full or closed; never waits. Rings the doorbell
    /// only when the consumer parked, so a busy consumer costs producers no
    /// wake-up.
    func push(_ item: Element) -> Bool {
        let (accepted, ring) = locked { () -> (Bool, Bool) in
            guard !closed, items.count - head < capacity else { return (false, false) }
            items.append(item)
            defer { consumerParked = false }
            return (true, consumerParked)
        }
        guard accepted else { return false }
        lock.broadcast()
        if ring { doorbell?() }
        return true
    }

    /// The consumer is about to wait somewhere else: true when nothing is
    /// queued, and then the next `push` rings the doorbell; false when there
    /// is something to take first.
    func parkConsumer() -> Bool {
        locked {
            guard head == items.count else { return false }
            consumerParked = true
            return true
        }
    }

    /// The consumer is awake again: pushes need not ring.
    func unparkConsumer() {
        locked { consumerParked = false }
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
    /// purpose (the sender gathering) must not make this wait for it.
    func waitUntilDrained(deadlineNs: UInt64) -> Bool {
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
