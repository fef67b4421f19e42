/// An incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent
/// events", §9.2.6 "Interpreting an event stream").
///
/// Feed it the bytes of one connection as they arrive, in chunks of any size;
/// it calls `emit` for every complete event. Split points do not matter: a
/// multi-byte character, a field, or a CR LF pair may straddle two chunks.
///
/// Memory is bounded by `maxEventBytes`, whatever the input: the line being
/// read plus the event being built never exceed it. An event (or a single
/// line) that would is dropped, along with everything up to the next blank
/// line, and counted in `oversizedEventsDropped`. A peer that never sends a
/// newline therefore costs at most `maxEventBytes`.
///
/// Parsing works on bytes and decodes field values at the end: line ends,
/// colons and field names are ASCII, so this is equivalent to decoding the
/// stream first. Invalid UTF-8 becomes U+FFFD.
public struct EventStreamParser {
    /// The bound on one event (its field lines) and on one line, in bytes.
    public let maxEventBytes: Int
    /// The last `retry:` value received (reconnection delay), if any.
    public private(set) var retryMilliseconds: Int?
    /// The last event ID (for `Last-Event-ID` on reconnect); "" when none.
    /// As in the spec it is committed at the end of each event block.
    public private(set) var lastEventID: String = ""
    /// Events (or lines) dropped because they exceeded `maxEventBytes`.
    public private(set) var oversizedEventsDropped: Int = 0
    /// Comment lines seen (`:` heartbeats): signs of life that dispatch nothing.
    public private(set) var commentsSeen: Int = 0

    // The line being read, without its line end.
    private var line: [UInt8] = []
    // The event being built: `data` lines each followed by LF, as in the spec.
    private var data: [UInt8] = []
    private var eventType: [UInt8] = []
    // The id set by `id:` fields, committed to `lastEventID` at dispatch.
    private var idBuffer: [UInt8] = []
    private var idBufferChanged = false
    // A CR ended the previous line: an LF right after it is part of that line end.
    private var skipNextLineFeed = false
    // Bytes of a possible leading byte order mark seen so far (0...3), or nil
    // once the start of the stream is behind us.
    private var bomBytesMatched: Int? = 0
    // Dropping an oversized event until the next blank line.
    private var discarding = false
    // Whether any byte of the current line arrived (while discarding, the
    // bytes themselves are not kept).
    private var lineHasBytes = false

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")
    private static let space = UInt8(ascii: " ")

    public init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = max(16, maxEventBytes)
    }

    /// Bytes held for the incomplete line and event: never more than
    /// `maxEventBytes` (the id, itself one bounded line, is kept apart).
    /// For tests and the fuzzer.
    public var bufferedByteCount: Int { line.count + data.count + eventType.count }

    /// Forgets the partial line and event, for a new connection. The last
    /// event ID and the retry delay survive: they are used to reconnect.
    public mutating func resetForNewConnection() {
        line.removeAll(keepingCapacity: false)
        data.removeAll(keepingCapacity: false)
        eventType.removeAll()
        skipNextLineFeed = false
        bomBytesMatched = 0
        discarding = false
        lineHasBytes = false
        idBuffer = Array(lastEventID.utf8)
        idBufferChanged = false
    }

    /// Parses `chunk`, calling `emit` for each event it completes.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (ServerSentEvent) -> Void) {
        var bytes = chunk[...]
        stripByteOrderMark(&bytes)
        while let first = bytes.first {
            if skipNextLineFeed {
                skipNextLineFeed = false
                if first == Self.lineFeed {
                    bytes = bytes.dropFirst()
                    continue
                }
            }
            guard let end = bytes.firstIndex(where: { $0 == Self.lineFeed || $0 == Self.carriageReturn })
            else {
                appendToLine(bytes)
                return
            }
            appendToLine(bytes[..<end])
            skipNextLineFeed = bytes[end] == Self.carriageReturn
            bytes = bytes[(end + 1)...]
            endLine(emit)
        }
    }

    /// Drops one leading U+FEFF, even when it arrives split over chunks.
    private mutating func stripByteOrderMark(_ bytes: inout Slice<UnsafeRawBufferPointer>) {
        while let matched = bomBytesMatched, let first = bytes.first {
            if first == Self.byteOrderMark[matched] {
                bytes = bytes.dropFirst()
                bomBytesMatched = matched == 2 ? nil : matched + 1
            } else {
                // Not a BOM after all: the bytes taken so far are content.
                bomBytesMatched = nil
                appendToLine(Self.byteOrderMark[..<matched])
            }
        }
    }

    private mutating func appendToLine<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard !bytes.isEmpty else { return }
        lineHasBytes = true
        if discarding { return }
        if line.count + bytes.count + data.count + eventType.count > maxEventBytes {
            startDiscarding()
            return
        }
        line.append(contentsOf: bytes)
    }

    private mutating func startDiscarding() {
        discarding = true
        line.removeAll(keepingCapacity: false)
        data.removeAll(keepingCapacity: false)
        eventType.removeAll()
    }

    private mutating func endLine(_ emit: (ServerSentEvent) -> Void) {
        defer {
            line.removeAll(keepingCapacity: line.count <= 4096)
            lineHasBytes = false
        }
        if discarding {
            // The dropped event ends at the next blank line.
            if !lineHasBytes {
                discarding = false
                oversizedEventsDropped &+= 1
                commitLastEventID()
            }
            return
        }
        if line.isEmpty {
            dispatch(emit)
        } else if line[0] != Self.colon {  // a leading colon is a comment
            processField()
        } else {
            commentsSeen &+= 1
        }
    }

    private mutating func processField() {
        let colonIndex = line.firstIndex(of: Self.colon)
        let name = line[..<(colonIndex ?? line.endIndex)]
        var value = colonIndex.map { line[($0 + 1)...] } ?? line[line.endIndex...]
        if value.first == Self.space { value = value.dropFirst() }
        switch String(decoding: name, as: UTF8.self) {
        case "event":
            eventType = Array(value)
        case "data":
            if data.count + value.count + 1 + eventType.count > maxEventBytes {
                startDiscarding()
                return
            }
            data.append(contentsOf: value)
            data.append(Self.lineFeed)
        case "id":
            if !value.contains(0) {
                idBuffer = Array(value)
                idBufferChanged = true
            }
        case "retry":
            if let milliseconds = Self.parseRetry(value) { retryMilliseconds = milliseconds }
        default:
            break  // unknown fields are ignored
        }
    }

    /// `retry:` counts only when it is all ASCII digits; huge values saturate.
    private static func parseRetry(_ value: ArraySlice<UInt8>) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        for byte in value {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            result = overflow1 || overflow2 ? Int.max : sum
        }
        return result
    }

    private mutating func commitLastEventID() {
        guard idBufferChanged else { return }
        lastEventID = String(decoding: idBuffer, as: UTF8.self)
        idBufferChanged = false
    }

    private mutating func dispatch(_ emit: (ServerSentEvent) -> Void) {
        commitLastEventID()
        defer {
            data.removeAll(keepingCapacity: data.count <= 4096)
            eventType.removeAll()
        }
        guard !data.isEmpty else { return }
        let payload = data.dropLast()  // the LF after the last data line
        let name = eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self)
        emit(ServerSentEvent(
            event: name,
            data: String(decoding: payload, as: UTF8.self),
            id: lastEventID.isEmpty ? nil : lastEventID))
    }
}
