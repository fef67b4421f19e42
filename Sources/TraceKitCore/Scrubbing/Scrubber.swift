import Synchronization

/// Finds PII spans in a string: the built-in value patterns (gated by
/// `ShapeFilter`) and the user's custom patterns.
///
/// One instance per options set; immutable and shared across threads. Each
/// caller brings a `ScrubScratch` (PCRE2 match data, span buffer).
final class Scrubber: Sendable {
    /// A matched span and the marker that replaces it.
    struct Span {
        var range: Range<Int>
        var category: String
        var marker: UnsafeBufferPointer<UInt8>
    }

    private struct Loaded: Sendable {
        let pattern: BuiltinPattern
        let compiled: CompiledPattern
        let marker: StaticMarker
    }

    /// Compiled once per process. A built-in that fails to compile (a PCRE2
    /// built without some feature) is left out rather than crash the host.
    private static let builtins: [Loaded?] = BuiltinPatterns.all.map { pattern in
        guard let compiled = try? CompiledPattern(pattern.source, utf: false, caseless: pattern.caseless) else {
            return nil
        }
        return Loaded(pattern: pattern, compiled: compiled, marker: StaticMarker(pattern.category.marker))
    }

    private let custom: [CustomPattern]
    var hasCustomPatterns: Bool { !custom.isEmpty }
    /// One scratch kept between calls: making PCRE2 match data and a match
    /// context costs more than scrubbing a small document.
    private let spare = Mutex<ScrubScratch?>(nil)
    private let customMarkers: [StaticMarker]

    /// The most spans one string may yield; bounds work on adversarial text.
    static let maxSpansPerString = 4096

    init(customPatterns: [CustomPattern]) {
        custom = customPatterns
        customMarkers = customPatterns.map { StaticMarker($0.marker) }
    }

    /// A scratch for one call: the spare one, or a new one while another
    /// call holds it. Hand it back with `giveBack`.
    func takeScratch() -> ScrubScratch {
        spare.withLock { $0.take() } ?? ScrubScratch()
    }

    func giveBack(_ scratch: ScrubScratch) {
        spare.withLock { if $0 == nil { $0 = scratch } }
    }

    /// Which built-in patterns could match `text` (`ShapeFilter` bits), and
    /// whether any pattern at all has to run: most strings need none.
    /// `readable`: bytes from `text` that may be read (see `ShapeFilter`).
    func candidates(in text: UnsafeBufferPointer<UInt8>, readable: Int) -> (mask: UInt16, anyPattern: Bool) {
        // No built-in pattern matches fewer bytes than `pwd=x`: most keys
        // and many values are shorter and need no look at all.
        guard text.count >= ShapeFilter.shortestMatch else { return (0, !custom.isEmpty && !text.isEmpty) }
        let mask = ShapeFilter.candidates(in: text, readable: readable)
        return (mask, mask != 0 || !custom.isEmpty)
    }

    /// Fills `scratch.spans` with non-overlapping spans, sorted by start:
    /// among overlapping matches the earliest wins, then the longest.
    /// `mask` comes from `candidates(in:)` for the same text.
    func findSpans(in text: UnsafeBufferPointer<UInt8>, mask: UInt16, scratch: ScrubScratch) {
        scratch.spans.removeAll(keepingCapacity: true)
        guard !text.isEmpty else { return }
        var candidates = mask
        while candidates != 0 {  // only the patterns whose shape is there
            let index = candidates.trailingZeroBitCount
            candidates &= candidates &- 1
            guard index < Self.builtins.count, let loaded = Self.builtins[index] else { continue }
            collect(loaded.compiled, in: text, category: loaded.pattern.category.rawValue,
                    marker: loaded.marker, validate: loaded.pattern.validate,
                    shortestMatch: ShapeFilter.shortestMatch, scratch: scratch)
        }
        for (index, pattern) in custom.enumerated() {
            collect(pattern.pattern, in: text, category: pattern.name, marker: customMarkers[index],
                    validate: nil, shortestMatch: 0, scratch: scratch)
        }
        if scratch.spans.count > 1 { resolveOverlaps(scratch) }
    }

    private func collect(_ pattern: CompiledPattern, in text: UnsafeBufferPointer<UInt8>, category: String,
                         marker: StaticMarker, validate: (@Sendable (UnsafeBufferPointer<UInt8>) -> Bool)?,
                         shortestMatch: Int, scratch: ScrubScratch) {
        var position = 0
        // `shortestMatch`: no match fits in fewer bytes, so the text after
        // the last match usually needs no second PCRE2 call.
        while position <= text.count - shortestMatch, scratch.spans.count < Self.maxSpansPerString,
              let range = pattern.firstMatch(in: text, from: position, scratch: scratch.match) {
            if range.isEmpty {
                position = range.upperBound + 1
                continue
            }
            let matched = UnsafeBufferPointer(rebasing: text[range])
            if validate?(matched) ?? true {
                scratch.spans.append(Span(range: range, category: category, marker: marker.bytes))
                position = range.upperBound
            } else {
                position = range.lowerBound + 1
            }
        }
    }

    private func resolveOverlaps(_ scratch: ScrubScratch) {
        scratch.spans.sort {
            $0.range.lowerBound != $1.range.lowerBound
                ? $0.range.lowerBound < $1.range.lowerBound : $0.range.count > $1.range.count
        }
        var kept: [Span] = []
        kept.reserveCapacity(scratch.spans.count)
        for span in scratch.spans where kept.last.map({ span.range.lowerBound >= $0.range.upperBound }) ?? true {
            kept.append(span)
        }
        scratch.spans = kept
    }
}

/// Marker bytes that live as long as the process (built-ins) or the options
/// (custom patterns), handed out as a buffer without copying per match.
final class StaticMarker: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>

    convenience init(_ text: String) { self.init(Array(text.utf8)) }

    init(_ utf8: [UInt8]) {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: utf8.count)
        _ = storage.initialize(from: utf8)
        bytes = UnsafeBufferPointer(storage)
    }

    deinit { bytes.deallocate() }
}

/// Per-call mutable state for `Scrubber`: used by one call at a time, handed
/// between calls (and threads) only through `Scrubber`'s mutex.
final class ScrubScratch: @unchecked Sendable {
    let match = MatchScratch()
    var spans: [Scrubber.Span] = []
}
