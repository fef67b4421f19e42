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
        Self.copy(source, to: storage + count, count: chunk.count)
        count &+= chunk.count
    }

    /// Up to 16 bytes with two overlapping word moves rather than a memmove
    /// call: most keys and values are that short.
    @inline(__always)
    private static func copy(_ source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        if count >= 8 && count <= 16 {
            let head = from.loadUnaligned(as: UInt64.self)
            let tail = from.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4 && count < 8 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
        } else if count > 16 {
            target.update(from: source, count: count)
        } else {
            for i in 0..<count { target[i] = source[i] }
        }
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity &* 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
    }

    /// Lets `fill` write up to `room` bytes in place (fewer when the limit
    /// is nearer); it returns how many it wrote. Nothing once over the limit.
    mutating func appendInPlace(upTo room: Int, _ fill: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        let room = min(room, limit &- total)
        guard room > 0 else { return }
        if count &+ room > capacity { grow(to: count &+ room) }
        let written = fill(UnsafeMutableBufferPointer(start: storage + count, count: room))
        count &+= written
        total &+= written
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
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
        if let source = text.baseAddress { Self.copy(source, to: storage + (count &+ 1), count: text.count) }
        storage[count &+ length &- 1] = UInt8(ascii: "\"")
        count &+= length
    }
}
