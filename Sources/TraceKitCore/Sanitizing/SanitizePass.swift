import CTraceKitScan

/// The state of one sanitize call: a non-recursive JSON parser that writes
/// the scrubbed, bounded document as it reads (so 1,000,000-deep nesting
/// costs a byte per level, not a stack frame).
///
/// Containers that are cut (too deep, or under a sensitive key) are still
/// parsed — the input must be valid JSON — but nothing is written for them
/// until their end, where their marker is written instead.
struct SanitizePass: ~Copyable {
    // Not private: a private type as FrameStack's argument breaks debug builds (Swift 6.3).
    struct Frame {
        var isObject: Bool
        /// Values (arrays) or keys (objects) started so far.
        var elements = 0
        var cut: Cut = .none
        var elementPolicy: ValuePolicy = .normal
        /// The current key's body in the input (objects), for flag paths.
        var key: Range<Int> = 0..<0
    }

    enum Cut: Equatable {
        case none
        case depth(Int)
        case sensitive
    }

    private enum State { case value, key, afterValue }

    private let input: UnsafeBufferPointer<UInt8>
    private let sanitizer: Sanitizer
    /// Copied out of `sanitizer` once: read for every string.
    private let scrubber: Scrubber?
    private let maxStringLength: Int
    /// Custom patterns run on every string; without them, a string without
    /// any built-in shape is written as it is (unless over max_string_length).
    private let hasCustomPatterns: Bool
    /// Whether PII scrubbing is on (`scrubber` is not nil), as a plain flag
    /// so that the per-string path never touches the scrubber's reference.
    private let scrubbing: Bool
    private var pos = 0
    private var out: OutputBuffer
    private var frames = FrameStack<Frame>(capacity: 16)
    /// Containers opened inside a cut container: only their kind matters.
    private var innerKinds: [Bool] = []
    private var cutFrames = 0
    private var decoded: [UInt8] = []
    private let keyDecisions = KeyDecisions()
    private var composed: [UInt8] = []
    private var markerRanges: [Range<Int>] = []
    private var scratch: ScrubScratch?
    private var redactions = 0
    private var truncations = 0
    private var flags: [SecurityFlag] = []
    /// "category|path" of each flag once there are many, so each is added
    /// once in O(1); a few are compared one by one.
    private var flagKeys: Set<String> = []
    private static let flagsComparedOneByOne = 16
    private static let maxFlags = 1000

    init(input: UnsafeBufferPointer<UInt8>, sanitizer: Sanitizer) {
        self.input = input
        self.sanitizer = sanitizer
        scrubber = sanitizer.scrubber
        maxStringLength = sanitizer.maxStringLength
        hasCustomPatterns = sanitizer.scrubber?.hasCustomPatterns ?? false
        scrubbing = sanitizer.scrubber != nil
        out = OutputBuffer(limit: sanitizer.maxPayload == 0 ? Int.max : sanitizer.maxPayload,
                           expected: input.count)
    }

    private var writing: Bool { cutFrames == 0 }

    consuming func finish() -> SanitizeResult {
        if let scratch, let scrubber { scrubber.giveBack(scratch) }
        var json = out.bytes
        if out.overLimit {
            json = Sanitizer.payloadMarker(size: out.total, max: sanitizer.maxPayload)
            truncations += 1
        }
        return SanitizeResult(json: json, redactions: redactions, truncations: truncations, securityFlags: flags)
    }

    // MARK: - The parse loop

    mutating func run() throws(SanitizeError) {
        var state = State.value
        var policy = ValuePolicy.normal
        while true {
            switch state {
            case .value:
                state = try value(policy)
                if state == .value { policy = frames.last?.elementPolicy ?? .normal }
            case .key:
                switch copyPlainMembers() {
                case .afterValue: state = .afterValue
                case .value: policy = .normal; state = .value
                case .key: policy = try key(); state = .value
                }
            case .afterValue:
                guard let next = try afterValue() else { return }
                state = next
                if state == .value { policy = frames.last?.elementPolicy ?? .normal }
            }
        }
    }

    private mutating func value(_ policy: ValuePolicy) throws(SanitizeError) -> State {
        skipWhitespace()
        guard pos < input.count else { throw error("unexpected end of input, expected a value") }
        switch input[pos] {
        case UInt8(ascii: "{"): return try open(isObject: true, policy)
        case UInt8(ascii: "["): return try open(isObject: false, policy)
        case UInt8(ascii: "\""): try stringValue(policy)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(policy)
        default: throw error("unexpected character, expected a value")
        }
        return .afterValue
    }

    private mutating func afterValue() throws(SanitizeError) -> State? {
        skipWhitespace()
        guard let isObject = currentIsObject else {
            guard pos == input.count else { throw error("unexpected data after the JSON value") }
            return nil
        }
        guard pos < input.count else { throw error("unexpected end of input inside a container") }
        let c = input[pos]
        pos += 1
        if c == UInt8(ascii: ",") {
            if writing { out.append(c) }
            if innerKinds.isEmpty { frames.updateLast { $0.elements += 1 } }
            return isObject ? .key : .value
        }
        guard c == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
            pos -= 1
            throw error(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
        }
        close()
        return .afterValue
    }

    private var currentIsObject: Bool? { innerKinds.last ?? frames.last?.isObject }

    // MARK: - Containers

    private mutating func open(isObject: Bool, _ policy: ValuePolicy) throws(SanitizeError) -> State {
        pos += 1
        if !writing {
            innerKinds.append(isObject)
        } else {
            var frame = Frame(isObject: isObject)
            if policy == .sensitive {
                frame.cut = .sensitive
            } else if frames.count >= sanitizer.maxDepth {
                frame.cut = .depth(frames.count)
            }
            if case .typed = policy, !isObject { frame.elementPolicy = policy }
            if frame.cut == .none {
                out.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            } else {
                cutFrames += 1
            }
            frames.append(frame)
        }
        skipWhitespace()
        if pos < input.count, input[pos] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
            pos += 1
            close()
            return .afterValue
        }
        if innerKinds.isEmpty { frames.updateLast { $0.elements = 1 } }
        return isObject ? .key : .value
    }

    private mutating func close() {
        if innerKinds.popLast() != nil { return }
        guard let frame = frames.popLast() else { return }
        switch frame.cut {
        case .none:
            out.append(frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        case .sensitive:
            cutFrames -= 1
            if writing { writeSensitiveMarker() }
        case .depth(let depth):
            cutFrames -= 1
            if writing {
                truncations += 1
                out.append("{\"_truncated\":true,\"_depth\":")
                out.append(decimal: depth)
                if !frame.isObject {
                    out.append(",\"_length\":")
                    out.append(decimal: frame.elements)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
    }

    // MARK: - Keys

    /// The common members of an object — a cached plain key, a value
    /// copied unchanged — in one C loop (CTraceKitScan/plain_members.c);
    /// returns where the parse goes on: at a key, at a value (normal
    /// policy, its key written) or after a value.
    private mutating func copyPlainMembers() -> State {
        guard writing, scrubbing, !hasCustomPatterns, maxStringLength >= 0, let base = input.baseAddress else {
            return .key
        }
        var run = tk_member_run()
        run.position = pos
        let cache = keyDecisions.cache, count = input.count, cap = maxStringLength
        out.appendInPlace(upTo: count &- pos) { room in
            tk_copy_plain_members(cache, base, count, cap, room.baseAddress, room.count, &run)
        }
        pos = run.position
        if run.commas > 0 { frames.updateLast { $0.elements += run.commas } }
        if run.key_end > 0 { frames.updateLast { $0.key = run.key_start..<run.key_end } }
        switch run.stopped_at {
        case TK_RUN_AT_VALUE: return .value
        case TK_RUN_AFTER_VALUE: return .afterValue
        default: return .key
        }
    }

    /// Parses `"key":` and returns the policy for its value.
    private mutating func key() throws(SanitizeError) -> ValuePolicy {
        skipWhitespace()
        guard pos < input.count, input[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let cached = writing && scrubbing ? keyDecisions.cachedDecision(forKeyAt: pos + 1, in: input) : nil
        let body: Range<Int>, simple: Bool
        if let cached {
            body = pos + 1..<cached.end
            simple = true
            pos = cached.end + 1
        } else {
            (body, simple) = try scanString()
        }
        var policy = ValuePolicy.normal
        if writing {
            frames.updateLast { $0.key = body }
            if simple, scrubbing {
                let name = UnsafeBufferPointer(rebasing: input[body])
                let decision = cached?.0 ?? keyDecisions.decision(for: name)
                policy = decision.policy
                if decision.mayHoldPII || !writesUnchanged(name) {
                    writeScrubbedString(name, needsEscaping: false)
                } else if pos < input.count, input[pos] == UInt8(ascii: ":") {
                    // The common case: `"name":` as it stands in the input, in one step.
                    out.append(UnsafeBufferPointer(rebasing: input[(body.lowerBound - 1)...pos]))
                    pos += 1
                    return policy
                } else {
                    out.appendString(name, needsEscaping: false)
                }
            } else {
                withText(body, simple: simple) { pass, text in
                    if pass.scrubbing { policy = KeyDecision.policy(of: text) }
                    pass.writeScrubbedString(text, needsEscaping: !simple)
                }
            }
        }
        skipWhitespace()
        guard pos < input.count, input[pos] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
        pos += 1
        if writing { out.append(UInt8(ascii: ":")) }
        return policy
    }

    // MARK: - Scalars

    private mutating func stringValue(_ policy: ValuePolicy) throws(SanitizeError) {
        let (body, simple) = try scanString()
        guard writing else { return }
        switch policy {
        case .sensitive:
            writeSensitiveMarker()
        case .typed(let category):
            if body.isEmpty { out.append("\"\"") } else { writeTypedMarker(category) }
        case .normal:
            withText(body, simple: simple) { pass, text in pass.writeScrubbedString(text, needsEscaping: !simple) }
        }
    }

    private mutating func number(_ policy: ValuePolicy) throws(SanitizeError) {
        let start = pos
        try scanNumber()
        guard writing else { return }
        let text = UnsafeBufferPointer(rebasing: input[start..<pos])
        switch policy {
        case .sensitive: writeSensitiveMarker()
        case .typed(let category): writeTypedMarker(category)
        case .normal where NumberRange.fitsInDouble(text): out.append(text)
        case .normal:
            // RFC 8259 §6: beyond a double's range many parsers (Foundation
            // among them) reject the number; its text survives as a string.
            writeScrubbedString(text, needsEscaping: false)
        }
    }

    private mutating func literal(_ word: StaticString) throws(SanitizeError) {
        guard ShapeFilter.hasPrefix(input, pos, word) else { throw error("invalid literal") }
        pos += word.utf8CodeUnitCount
        if writing { out.append(word) }
    }

    // MARK: - Writing strings

    /// Calls `body` with the decoded text of a string body: the input bytes
    /// themselves when plain ASCII without escapes, else a decoded copy.
    private mutating func withText(_ body: Range<Int>, simple: Bool,
                                   _ use: (inout SanitizePass, UnsafeBufferPointer<UInt8>) -> Void) {
        if simple {
            use(&self, UnsafeBufferPointer(rebasing: input[body]))
            return
        }
        var buffer = decoded
        decoded = []
        JSONStringDecoder.decode(UnsafeBufferPointer(rebasing: input[body]), into: &buffer)
        buffer.withUnsafeBufferPointer { use(&self, $0) }
        decoded = buffer
    }

    /// Writes a string literal with PII spans replaced and cut to
    /// max_string_length (at a character boundary, never inside a marker).
    private mutating func writeScrubbedString(_ text: UnsafeBufferPointer<UInt8>, needsEscaping: Bool) {
        let cap = maxStringLength
        // Only what can survive the cut is scanned, plus room for a secret
        // that straddles it.
        let window = cap > 0 ? min(text.count, cap + 4096) : text.count
        let scanned = UnsafeBufferPointer(rebasing: text[0..<window])
        // The shape filter first, without the scrubber: most strings need no pattern.
        let mask = scrubbing && scanned.count >= ShapeFilter.shortestMatch
            ? ShapeFilter.candidates(in: scanned, readable: readableBytes(from: scanned)) : 0
        if mask == 0 && !(hasCustomPatterns && !scanned.isEmpty) && (cap == 0 || text.count <= cap) {
            out.appendString(text, needsEscaping: needsEscaping)
            return
        }
        writeScrubbedString(text, scanned: scanned, mask: mask, needsEscaping: needsEscaping)
    }

    /// The rare path: patterns to run, or a string to cut.
    @inline(never)
    private mutating func writeScrubbedString(_ text: UnsafeBufferPointer<UInt8>, scanned: UnsafeBufferPointer<UInt8>,
                                              mask: UInt16, needsEscaping: Bool) {
        let cap = maxStringLength
        var spans: [Scrubber.Span] = []
        if let scrubber, mask != 0 || hasCustomPatterns {
            let scratch = scrubScratch()
            scrubber.findSpans(in: scanned, mask: mask, scratch: scratch)
            spans = scratch.spans
        }
        if spans.isEmpty && (cap == 0 || text.count <= cap) {
            out.appendString(text, needsEscaping: needsEscaping)
            return
        }
        if cap == 0 || (scanned.count == text.count && Self.count(of: scanned, withMarkersFor: spans) <= cap) {
            writeWithMarkers(scanned, spans: spans, needsEscaping: needsEscaping)
        } else {
            compose(scanned, spans: spans, originalCount: text.count, cap: cap)
            let written = composed  // shares storage; lets `self` be mutated below
            written.withUnsafeBufferPointer { out.appendString($0, needsEscaping: true) }
        }
        for span in spans {
            redactions += 1
            addFlag(category: span.category, severity: "high")
        }
    }

    /// The common case of a string with PII: nothing to cut, so the pieces
    /// between the spans and the markers go straight to the output.
    private mutating func writeWithMarkers(_ text: UnsafeBufferPointer<UInt8>, spans: [Scrubber.Span],
                                           needsEscaping: Bool) {
        out.append(UInt8(ascii: "\""))
        var last = 0
        for span in spans {
            writePiece(UnsafeBufferPointer(rebasing: text[last..<span.range.lowerBound]), needsEscaping: needsEscaping)
            out.append(span.marker)
            last = span.range.upperBound
        }
        writePiece(UnsafeBufferPointer(rebasing: text[last..<text.count]), needsEscaping: needsEscaping)
        out.append(UInt8(ascii: "\""))
    }

    private mutating func writePiece(_ piece: UnsafeBufferPointer<UInt8>, needsEscaping: Bool) {
        if needsEscaping { JSONStringWriter.writeBody(piece, into: &out) } else { out.append(piece) }
    }

    /// The length of `text` once each span is replaced by its marker.
    private static func count(of text: UnsafeBufferPointer<UInt8>, withMarkersFor spans: [Scrubber.Span]) -> Int {
        spans.reduce(text.count) { $0 - $1.range.count + $1.marker.count }
    }

    /// Whether a key without any built-in shape is written as it is.
    private func writesUnchanged(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        !hasCustomPatterns && (maxStringLength == 0 || key.count <= maxStringLength)
    }

    /// How many bytes from `text` may be read: the rest of the input when
    /// `text` lies in it (the shape filter then reads whole blocks in place).
    private func readableBytes(from text: UnsafeBufferPointer<UInt8>) -> Int {
        guard let start = text.baseAddress, let base = input.baseAddress,
              start >= base, start < base + input.count else { return text.count }
        return base + input.count - start
    }

    /// PCRE2 match data and the span buffer, taken from the scrubber when a
    /// pattern first has to run (most documents never need them) and given
    /// back by `finish`.
    private mutating func scrubScratch() -> ScrubScratch {
        if let scratch { return scratch }
        let made = scrubber?.takeScratch() ?? ScrubScratch()
        scratch = made
        return made
    }

    /// Builds `composed`: the text with markers in place of spans, then cut.
    private mutating func compose(_ text: UnsafeBufferPointer<UInt8>, spans: [Scrubber.Span], originalCount: Int,
                                  cap: Int) {
        composed.removeAll(keepingCapacity: true)
        markerRanges.removeAll(keepingCapacity: true)
        var last = 0
        for span in spans {
            composed.append(contentsOf: UnsafeBufferPointer(rebasing: text[last..<span.range.lowerBound]))
            let start = composed.count
            composed.append(contentsOf: span.marker)
            markerRanges.append(start..<composed.count)
            last = span.range.upperBound
        }
        composed.append(contentsOf: UnsafeBufferPointer(rebasing: text[last..<text.count]))
        guard cap > 0, composed.count > cap || originalCount > text.count else { return }
        var cut = min(cap, composed.count)
        while cut > 0, cut < composed.count, composed[cut] & 0xC0 == 0x80 { cut -= 1 }
        if let marker = markerRanges.first(where: { $0.contains(cut) && $0.lowerBound != cut }) { cut = marker.lowerBound }
        composed.removeLast(composed.count - cut)
        composed.append(contentsOf: Array("[TRUNCATED:\(originalCount) bytes]".utf8))
        truncations += 1
    }

    private mutating func writeSensitiveMarker() {
        out.append("\"[REDACTED:sensitive_name]\"")
        redactions += 1
        addFlag(category: PIICategory.sensitiveName.rawValue, severity: "medium")
    }

    private mutating func writeTypedMarker(_ category: PIICategory) {
        out.append(UInt8(ascii: "\""))
        out.append(category.markerBytes.bytes)
        out.append(UInt8(ascii: "\""))
        redactions += 1
        addFlag(category: category.rawValue, severity: "medium")
    }

    // MARK: - Security flags

    private mutating func addFlag(category: String, severity: String) {
        guard flags.count < Self.maxFlags else { return }
        let path = currentPath()
        guard isNewFlag(category: category, path: path) else { return }
        flags.append(SecurityFlag(category: category, severity: severity, variable: path))
    }

    private mutating func isNewFlag(category: String, path: String) -> Bool {
        if flags.count < Self.flagsComparedOneByOne {
            return !flags.contains { $0.category == category && $0.variable == path }
        }
        if flagKeys.isEmpty {
            for flag in flags { flagKeys.insert(flag.category + "|" + flag.variable) }
        }
        return flagKeys.insert(category + "|" + path).inserted
    }

    /// `user.cards[0].number`, from the open frames and their current keys.
    /// Keys appear as written: scrubbed again here (flags are rare, so the
    /// hot path keeps no copy of them), never with the PII they report.
    private func currentPath() -> String {
        var path: [UInt8] = []
        path.reserveCapacity(64)
        frames.forEach { frame in
            if frame.isObject {
                if !path.isEmpty { path.append(UInt8(ascii: ".")) }
                appendWrittenKey(frame.key, to: &path)
            } else {
                path.append(UInt8(ascii: "["))
                path.append(decimal: max(frame.elements - 1, 0))
                path.append(UInt8(ascii: "]"))
            }
        }
        return String(decoding: path, as: UTF8.self)
    }

    /// The key at `body` as it was written (decoded, scrubbed), at most 256 bytes.
    private func appendWrittenKey(_ body: Range<Int>, to path: inout [UInt8]) {
        let raw = UnsafeBufferPointer(rebasing: input[body])
        if !raw.contains(where: { $0 < 0x20 || $0 >= 0x80 || $0 == UInt8(ascii: "\\") }) {
            // The common case: no decoding needed, and the key's cached
            // decision says whether any pattern could change it.
            if !hasCustomPatterns, !keyDecisions.decision(for: raw).mayHoldPII {
                path.append(contentsOf: raw.prefix(256))
            } else {
                appendScrubbed(raw, to: &path)
            }
            return
        }
        var decoded: [UInt8] = []
        JSONStringDecoder.decode(raw, into: &decoded)
        decoded.withUnsafeBufferPointer { appendScrubbed($0, to: &path) }
    }

    private func appendScrubbed(_ key: UnsafeBufferPointer<UInt8>, to path: inout [UInt8]) {
        guard let scrubber else {
            path.append(contentsOf: key.prefix(256))
            return
        }
        let (mask, anyPattern) = scrubber.candidates(in: key, readable: key.count)
        guard anyPattern else {
            path.append(contentsOf: key.prefix(256))
            return
        }
        let scratch = self.scratch ?? ScrubScratch()  // flags are rare
        scrubber.findSpans(in: key, mask: mask, scratch: scratch)
        var text: [UInt8] = []
        var last = 0
        for span in scratch.spans {
            text += key[last..<span.range.lowerBound]
            text += span.marker
            last = span.range.upperBound
        }
        text += key[last...]
        path.append(contentsOf: text.prefix(256))
    }

    // MARK: - Scanning

    private mutating func skipWhitespace() {
        while pos < input.count {
            let b = input[pos]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    /// `pos` is at the opening quote; leaves it after the closing one.
    /// `simple`: printable ASCII without escapes (copied as is).
    private mutating func scanString() throws(SanitizeError) -> (Range<Int>, simple: Bool) {
        let start = pos + 1
        var simple = true
        let n = input.count
        guard let base = input.baseAddress else { throw error("unterminated string", at: pos) }
        var i = start
        while true {
            // Skips plain ASCII 16 bytes at a time (CTraceKitScan/string_scan.c).
            i = tk_scan_plain_ascii(base, i, n)
            guard i < n else { break }
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                pos = i + 1
                return (start..<i, simple)
            }
            if b == UInt8(ascii: "\\") {
                simple = false
                i = try scanEscape(at: i)
                continue
            }
            if b < 0x20 { throw error("control character in a string", at: i) }
            simple = false  // non-ASCII
            i += 1
        }
        throw error("unterminated string", at: pos)
    }

    private func scanEscape(at i: Int) throws(SanitizeError) -> Int {
        do throws(JSONStringDecoder.EscapeProblem) {
            return i + (try JSONStringDecoder.escapeLength(input, at: i))
        } catch {
            switch error {
            case .unterminated: throw self.error("unterminated escape", at: i)
            case .badUnicode: throw self.error("invalid \\u escape", at: i)
            case .unknown: throw self.error("invalid escape", at: i)
            }
        }
    }

    /// RFC 8259 number grammar; the text is copied verbatim, whatever its size.
    private mutating func scanNumber() throws(SanitizeError) {
        let start = pos
        if input[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < input.count, isDigit(input[pos]) else { throw error("invalid number", at: start) }
        if input[pos] == UInt8(ascii: "0") { pos += 1 } else { skipDigits() }
        if pos < input.count, input[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < input.count, isDigit(input[pos]) else { throw error("invalid number", at: start) }
            skipDigits()
        }
        if pos < input.count, input[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < input.count, input[pos] == UInt8(ascii: "+") || input[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < input.count, isDigit(input[pos]) else { throw error("invalid number", at: start) }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while pos < input.count, isDigit(input[pos]) { pos += 1 }
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    private func error(_ reason: String, at offset: Int? = nil) -> SanitizeError {
        SanitizeError(offset: offset ?? pos, reason: reason)
    }
}
