/// The sanitizer's output: keeps bytes up to `limit`, then only counts, so
/// memory stays bounded by max_payload while the final size is still known
/// for the payload marker.
///
/// Raw memory rather than an `[UInt8]`: appends are the sanitizer's hottest
/// path and Array's uniqueness checks cost more than the copies.
struct OutputBuffer: JSONByteSink, ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Bytes the output would have had without the limit.
    private(set) var total = 0
    let limit: Int

    init(limit: Int, expected: Int) {
        self.limit = limit
        capacity = max(64, min(limit, expected) &+ 16)
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    var overLimit: Bool { total > limit }

    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        total &+= 1
        guard total <= limit else { return }
        if count == capacity { grow(to: count &+ 1) }
        storage[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ chunk: UnsafeBufferPointer<UInt8>) {
        total &+= chunk.count
        guard total <= limit, let source = chunk.baseAddress else { return }
        if count &+ chunk.count > capacity { grow(to: count &+ chunk.count) }
        (storage + count).update(from: source, count: chunk.count)
        count &+= chunk.count
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity &* 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(decimal value: Int) {
        var digits: [UInt8] = []
        var rest = value.magnitude
        repeat {
            digits.append(UInt8(truncatingIfNeeded: rest % 10) &+ 0x30)
            rest /= 10
        } while rest > 0
        if value < 0 { append(UInt8(ascii: "-")) }
        for digit in digits.reversed() { append(digit) }
    }

    /// A JSON string literal. `needsEscaping` false promises the text has no
    /// `"`, `\` or control characters (the parser's fast path knows).
    mutating func appendString(_ text: UnsafeBufferPointer<UInt8>, needsEscaping: Bool) {
        if needsEscaping {
            JSONStringWriter.write(text, into: &self)
            return
        }
        // Quotes and text in one step: most strings take this path.
        let length = text.count &+ 2
        total &+= length
        guard total <= limit else { return }
        if count &+ length > capacity { grow(to: count &+ length) }
        storage[count] = UInt8(ascii: "\"")
        if let source = text.baseAddress { (storage + (count &+ 1)).update(from: source, count: text.count) }
        storage[count &+ length &- 1] = UInt8(ascii: "\"")
        count &+= length
    }
}
