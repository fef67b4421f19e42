import CTraceKitScan

/// What the sanitizer decides from a key name alone: the policy for its
/// value, and whether any built-in pattern's shape is in the name itself.
/// Neither depends on the options, so decisions are cached per thread
/// across calls (CTraceKitScan/key_cache.c): a document repeats a few key
/// names thousands of times, and so do the documents of one process.
struct KeyDecision {
    var policy: ValuePolicy
    /// A built-in pattern could match inside the name (`ShapeFilter`).
    var mayHoldPII: Bool

    init(of key: UnsafeBufferPointer<UInt8>) {
        policy = Self.policy(of: key)
        mayHoldPII = key.count >= ShapeFilter.shortestMatch && ShapeFilter.candidates(in: key) != 0
    }

    /// Rule 13 and typed keys (`KeyClassifier`).
    static func policy(of key: UnsafeBufferPointer<UInt8>) -> ValuePolicy {
        switch KeyClassifier.classify(key) {
        case .plain: return .normal
        case .sensitive: return .sensitive
        case .typed(let category): return .typed(category)
        }
    }

    /// UInt16: bit 15 `mayHoldPII`; low bits 0 normal, 1 sensitive,
    /// 2 + index in `PIICategory.allCases` typed.
    @inline(__always)
    fileprivate init?(raw: Int) {
        guard raw >= 0 else { return nil }
        switch raw & 0x7FFF {
        case 0: policy = .normal
        case 1: policy = .sensitive
        case let typed:
            let all = PIICategory.allCases
            guard typed - 2 < all.count else { return nil }
            policy = .typed(all[typed - 2])
        }
        mayHoldPII = raw & 0x8000 != 0
    }

    fileprivate var raw: UInt16 {
        let kind: Int
        switch policy {
        case .normal: kind = 0
        case .sensitive: kind = 1
        case .typed(let category): kind = 2 + (PIICategory.allCases.firstIndex(of: category) ?? 0)
        }
        return UInt16(kind) | (mayHoldPII ? 0x8000 : 0)
    }
}

/// The calling thread's cache of `KeyDecision`s. Use on one thread only
/// (a sanitize pass holds one for its duration).
struct KeyDecisions {
    /// For the C loop over plain members (`SanitizePass.copyPlainMembers`).
    let cache = tk_key_cache_for_thread()

    /// The cached decision for the key whose body starts at `start` in
    /// `input` (after the opening quote), and the index of its closing quote:
    /// nil unless the body is plain ASCII without escapes and was seen
    /// before. Finds the end and the decision in one step, the common case.
    func cachedDecision(forKeyAt start: Int, in input: UnsafeBufferPointer<UInt8>) -> (KeyDecision, end: Int)? {
        guard let base = input.baseAddress else { return nil }
        var end = 0
        guard let known = KeyDecision(raw: Int(tk_key_cache_lookup_string(cache, base, start, input.count, &end)))
        else { return nil }
        return (known, end)
    }

    /// The decision for `key` (plain ASCII without escapes), from the cache
    /// or made and remembered.
    func decision(for key: UnsafeBufferPointer<UInt8>) -> KeyDecision {
        guard let base = key.baseAddress else { return KeyDecision(of: key) }
        if let known = KeyDecision(raw: Int(tk_key_cache_lookup(cache, base, key.count))) { return known }
        let made = KeyDecision(of: key)
        tk_key_cache_store(cache, base, key.count, made.raw)
        return made
    }
}
