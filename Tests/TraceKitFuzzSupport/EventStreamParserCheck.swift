import TraceKitCore

/// The invariants of `EventStreamParser`, checked on one input: shared by
/// the libFuzzer target (fuzz/Sources/EventStreamFuzzer) and the corpus
/// replay test so both feed inputs exactly the same way.
///
/// Input layout: byte 0 picks `maxEventBytes` (16 + 8·b0), byte 1 the largest
/// chunk (1 + b1), bytes 2–3 seed the chunk sizes; the rest is the stream.
/// The stream is parsed twice, in those chunks and in one piece, and:
/// - the two parses produce the same events, counters, id and retry
///   (split points must not matter);
/// - the parser never buffers more than `maxEventBytes`;
/// - no event carries more data (or a longer name) than `maxEventBytes`
///   (counted in Unicode scalars: each comes from at least one input byte).
public enum EventStreamParserCheck {
    static let headerBytes = 4

    /// Returns the violated invariants; empty means the input passed.
    public static func run(_ input: UnsafeRawBufferPointer) -> [String] {
        guard input.count >= headerBytes else { return [] }
        let maxEventBytes = 16 + Int(input[0]) * 8
        let largestChunk = 1 + Int(input[1])
        var random = SplitMix64(seed: UInt64(input[2]) << 8 | UInt64(input[3]))
        let stream = UnsafeRawBufferPointer(rebasing: input[headerBytes...])

        var violations: [String] = []
        var chunked = EventStreamParser(maxEventBytes: maxEventBytes)
        var chunkedEvents: [ServerSentEvent] = []
        var offset = 0
        while offset < stream.count {
            let length = min(stream.count - offset, 1 + Int(random.next() % UInt64(largestChunk)))
            chunked.feed(UnsafeRawBufferPointer(rebasing: stream[offset..<(offset + length)])) { chunkedEvents.append($0) }
            offset += length
            if chunked.bufferedByteCount > maxEventBytes {
                violations.append("buffered \(chunked.bufferedByteCount) bytes > bound \(maxEventBytes)")
            }
        }

        var whole = EventStreamParser(maxEventBytes: maxEventBytes)
        var wholeEvents: [ServerSentEvent] = []
        whole.feed(stream) { wholeEvents.append($0) }

        for event in chunkedEvents {
            if event.data.unicodeScalars.count > maxEventBytes || event.event.unicodeScalars.count > maxEventBytes {
                violations.append("event over the bound: \(event.data.unicodeScalars.count) data scalars")
            }
        }
        if chunkedEvents != wholeEvents {
            violations.append("chunked parse gave \(chunkedEvents.count) events, whole parse \(wholeEvents.count) (or different ones)")
        }
        if chunked.oversizedEventsDropped != whole.oversizedEventsDropped || chunked.lastEventID != whole.lastEventID
            || chunked.retryMilliseconds != whole.retryMilliseconds {
            violations.append("chunked and whole parses disagree on counters, id or retry")
        }
        return violations
    }
}
