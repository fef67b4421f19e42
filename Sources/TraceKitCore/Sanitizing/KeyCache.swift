/// Remembers, within one sanitize pass, what was decided for a key: real
/// documents repeat a few key names thousands of times (`id`, `email`,
/// `created_at` in every record), and classifying and shape-scanning each
/// occurrence again is a good part of the pass. Direct-mapped, 64 slots,
/// keyed by the key's raw bytes (plain ASCII keys without escapes only);
/// made on the 16th key, so small documents pay nothing.
struct KeyCache {
    struct Decision {
        var policy: ValuePolicy
        /// The key is written as it is (nothing redacted or cut).
        var plain: Bool
    }

    private struct Entry {
        var hash: UInt64
        var start: Int
        var count: Int
        var decision: Decision
    }

    private var slots: [Entry?] = []
    private var keysSeen = 0
    static let maxKeyLength = 48

    /// The cached decision for the key at `body` in `input`, if any.
    mutating func lookup(_ body: Range<Int>, in input: UnsafeBufferPointer<UInt8>) -> Decision? {
        keysSeen &+= 1
        guard !slots.isEmpty, body.count <= Self.maxKeyLength else { return nil }
        let hash = Self.hash(body, input)
        guard let entry = slots[Int(hash & 63)], entry.hash == hash, entry.count == body.count,
              Self.equal(entry.start, body.lowerBound, body.count, input) else { return nil }
        return entry.decision
    }

    mutating func store(_ decision: Decision, for body: Range<Int>, in input: UnsafeBufferPointer<UInt8>) {
        guard body.count <= Self.maxKeyLength, keysSeen >= 16 else { return }
        if slots.isEmpty { slots = Array(repeating: nil, count: 64) }
        let hash = Self.hash(body, input)
        slots[Int(hash & 63)] = Entry(hash: hash, start: body.lowerBound, count: body.count, decision: decision)
    }

    /// FNV-1a.
    private static func hash(_ body: Range<Int>, _ input: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in body {
            hash = (hash ^ UInt64(input[index])) &* 0x100_0000_01b3
        }
        return hash
    }

    private static func equal(_ a: Int, _ b: Int, _ count: Int, _ input: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 0..<count where input[a &+ offset] != input[b &+ offset] { return false }
        return true
    }
}
