import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// Feeds `bytes` to `parser` in chunks that end at `splits` (sorted offsets)
/// and returns the events emitted.
func feedChunks(_ bytes: [UInt8], splits: [Int] = [], into parser: inout EventStreamParser) -> [ServerSentEvent] {
    var events: [ServerSentEvent] = []
    var start = 0
    for end in splits + [bytes.count] where end >= start {
        bytes[start..<end].withUnsafeBytes { chunk in parser.feed(chunk) { events.append($0) } }
        start = end
    }
    return events
}

func parse(_ text: String, maxEventBytes: Int = 1 << 20) -> [ServerSentEvent] {
    var parser = EventStreamParser(maxEventBytes: maxEventBytes)
    return feedChunks(Array(text.utf8), into: &parser)
}

@Suite("Server-sent events parser (WHATWG event-stream rules)")
struct EventStreamParserTests {
    @Test("LF, CRLF and CR all end lines, and give the same events")
    func lineEndings() {
        let expected = [
            ServerSentEvent(event: "init", data: "a\nb", id: nil),
            ServerSentEvent(event: "message", data: "c", id: nil),
        ]
        for end in ["\n", "\r\n", "\r"] {
            let text = ["event: init", "data: a", "data: b", "", "data: c", "", ""].joined(separator: end)
            #expect(parse(text) == expected, "line end \(Array(end.utf8))")
        }
    }

    @Test("a CR at the end of one chunk and an LF at the start of the next are one line end")
    func crlfSplitAcrossChunks() {
        var parser = EventStreamParser()
        let events = feedChunks(Array("data: a\r\ndata: b\n\n".utf8), splits: [8], into: &parser)
        #expect(events == [ServerSentEvent(event: "message", data: "a\nb", id: nil)])
    }

    @Test("splitting a stream at any byte position yields the same events")
    func everySplitPosition() {
        let sample = Array("\u{FEFF}retry: 250\r\nid: 7\r\nevent: breakpoint_updated\r\ndata: {\"é\": \"日本\"}\r\n\r\n: comment\rdata: x\r\rdata:y\ndata\n\n".utf8)
        var whole = EventStreamParser()
        let expected = feedChunks(sample, into: &whole)
        #expect(expected == [
            ServerSentEvent(event: "breakpoint_updated", data: "{\"é\": \"日本\"}", id: "7"),
            ServerSentEvent(event: "message", data: "x", id: "7"),
            ServerSentEvent(event: "message", data: "y\n", id: "7"),
        ])
        for split in 0...sample.count {
            var parser = EventStreamParser()
            #expect(feedChunks(sample, splits: [split], into: &parser) == expected, "split at \(split)")
            #expect(parser.retryMilliseconds == 250)
        }
        var bytewise = EventStreamParser()
        #expect(feedChunks(sample, splits: Array(0...sample.count), into: &bytewise) == expected)
    }

    @Test("comments, unknown fields and a field without a colon")
    func fieldSyntax() {
        #expect(parse(": just a comment\n\n") == [])
        #expect(parse("foo: bar\ndata: kept\n\n") == [ServerSentEvent(event: "message", data: "kept", id: nil)])
        // "data" alone is a data field with an empty value.
        #expect(parse("data\ndata\n\n") == [ServerSentEvent(event: "message", data: "\n", id: nil)])
        #expect(parse("data:\n\n") == [ServerSentEvent(event: "message", data: "", id: nil)])
    }

    @Test("exactly one space after the colon is removed")
    func optionalSpace() {
        #expect(parse("data:no space\n\n").first?.data == "no space")
        #expect(parse("data:  two spaces\n\n").first?.data == " two spaces")
        #expect(parse("data:\ttab\n\n").first?.data == "\ttab")
    }

    @Test("no data means no event; the event type resets after each block")
    func dispatchRules() {
        #expect(parse("event: lonely\n\n") == [])
        #expect(parse("event: first\n\ndata: second\n\n") == [ServerSentEvent(event: "message", data: "second", id: nil)])
        #expect(parse("event:\ndata: x\n\n").first?.event == "message")
        // A block that never ends with a blank line is never dispatched.
        #expect(parse("data: unfinished\n") == [])
    }

    @Test("id persists across events, an empty id clears it, an id with NUL is ignored")
    func ids() {
        var parser = EventStreamParser()
        let events = feedChunks(Array("id: 1\ndata: a\n\ndata: b\n\nid: 2\u{0}x\ndata: c\n\nid\ndata: d\n\n".utf8), into: &parser)
        #expect(events.map(\.id) == ["1", "1", "1", nil])
        #expect(parser.lastEventID == "")
        var other = EventStreamParser()
        _ = feedChunks(Array("id: 42\n\n".utf8), into: &other)
        #expect(other.lastEventID == "42", "an id-only block still sets the last event ID")
    }

    @Test("retry accepts only ASCII digits and saturates instead of overflowing")
    func retry() {
        func retry(_ text: String) -> Int? {
            var parser = EventStreamParser()
            _ = feedChunks(Array(text.utf8), into: &parser)
            return parser.retryMilliseconds
        }
        #expect(retry("retry: 3000\n") == 3000)
        #expect(retry("retry: 3000\nretry: 12a\n") == 3000)
        #expect(retry("retry: -5\n") == nil)
        #expect(retry("retry: 1.5\n") == nil)
        #expect(retry("retry:\n") == nil)
        #expect(retry("retry: 99999999999999999999999999\n") == Int.max)
    }

    @Test("one leading BOM is skipped, even split across chunks; a second one is content")
    func byteOrderMark() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = Array("data: x\n\n".utf8)
        for split in 0...3 {
            var parser = EventStreamParser()
            #expect(feedChunks(bom + body, splits: [split], into: &parser).map(\.data) == ["x"])
        }
        var twice = EventStreamParser()
        // The second BOM makes the field name "\u{FEFF}data", an unknown field.
        #expect(feedChunks(bom + bom + body, into: &twice) == [])
        // A stream that starts like a BOM but is not one keeps its bytes.
        #expect(parse("\u{EF}data: y\n\n") == [])
        var partial = EventStreamParser()
        let notBOM: [UInt8] = [0xEF, 0xBB] + Array(":c\ndata: z\n\n".utf8)
        #expect(feedChunks(notBOM, splits: [1], into: &partial).map(\.data) == ["z"])
    }

    @Test("invalid UTF-8 becomes U+FFFD")
    func invalidUTF8() {
        var parser = EventStreamParser()
        let bytes: [UInt8] = Array("data: a".utf8) + [0xFF, 0xC3] + Array("b\n\n".utf8)
        #expect(feedChunks(bytes, into: &parser).first?.data == "a\u{FFFD}\u{FFFD}b")
    }

    @Test("an oversized event is dropped up to the next blank line, counted, and parsing recovers")
    func oversizedEvent() {
        var parser = EventStreamParser(maxEventBytes: 64)
        let big = String(repeating: "z", count: 200)
        let text = "data: \(big)\ndata: more of it\n\ndata: ok\n\n" + "data: \(String(repeating: "s", count: 40))\ndata: \(String(repeating: "t", count: 40))\n\ndata: fine\n\n"
        let events = feedChunks(Array(text.utf8), splits: [10, 100, 150], into: &parser)
        #expect(events.map(\.data) == ["ok", "fine"])
        #expect(parser.oversizedEventsDropped == 2)
    }

    @Test("a peer that never sends a newline costs at most maxEventBytes")
    func noNewlineEver() {
        var parser = EventStreamParser(maxEventBytes: 4096)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        var events = 0
        for _ in 0..<10_000 {  // 10 MB
            chunk.withUnsafeBytes { parser.feed($0) { _ in events += 1 } }
            #expect(parser.bufferedByteCount <= 4096)
        }
        #expect(events == 0)
        let tail = feedChunks(Array("\n\ndata: after\n\n".utf8), into: &parser)
        #expect(tail.map(\.data) == ["after"])
        #expect(parser.oversizedEventsDropped == 1)
    }

    @Test("random garbage never breaks the bounds")
    func garbage() {
        var random = SplitMix64(seed: 99)
        let max = 256
        var parser = EventStreamParser(maxEventBytes: max)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...300, using: &random)
            let bytes = (0..<length).map { _ in
                // Skew towards the bytes the grammar cares about.
                let pick = Int.random(in: 0..<10, using: &random)
                return pick < 3 ? Array("\r\n: d".utf8)[Int.random(in: 0..<5, using: &random)] : UInt8.random(in: 0...255, using: &random)
            }
            bytes.withUnsafeBytes { chunk in
                parser.feed(chunk) { event in
                    #expect(event.data.unicodeScalars.count <= max)
                }
            }
            #expect(parser.bufferedByteCount <= max)
        }
    }

    @Test("a new connection forgets the partial event but keeps the last event ID and retry")
    func resetForNewConnection() {
        var parser = EventStreamParser()
        _ = feedChunks(Array("retry: 10\nid: 5\ndata: done\n\ndata: half".utf8), into: &parser)
        parser.resetForNewConnection()
        let events = feedChunks(Array("\u{FEFF}data: fresh\n\n".utf8), into: &parser)
        #expect(events == [ServerSentEvent(event: "message", data: "fresh", id: "5")])
        #expect(parser.retryMilliseconds == 10)
        #expect(parser.lastEventID == "5")
    }
}
