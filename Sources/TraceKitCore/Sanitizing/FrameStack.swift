/// The sanitizer's stack of open containers: raw memory rather than an
/// Array, because the parse loop reads and updates the top once or twice
/// per token and Array's uniqueness and bounds checks cost more than that
/// work itself.
struct FrameStack<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    /// `capacity`: room for typical nesting in one allocation.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    var last: Element? { count > 0 ? storage[count &- 1] : nil }

    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        (storage + count).initialize(to: element)
        count &+= 1
    }

    mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count &-= 1
        return (storage + count).move()
    }

    /// Changes the top element; nothing when the stack is empty.
    @inline(__always)
    mutating func updateLast(_ change: (inout Element) -> Void) {
        guard count > 0 else { return }
        change(&storage[count &- 1])
    }

    /// Bottom to top.
    func forEach(_ body: (Element) -> Void) {
        for index in 0..<count { body(storage[index]) }
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity &* 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity &*= 2
    }
}
