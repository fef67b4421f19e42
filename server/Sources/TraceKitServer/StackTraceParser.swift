/// Extracts code locations from the `exception.stacktrace` text of a span's
/// exception event. The format is recognised line by line, so a trace mixing
/// formats (e.g. a Python trace quoting a native one) still yields frames:
///
/// | runtime | frame line |
/// |---|---|
/// | Python  | `File "/app/pay.py", line 42, in charge` |
/// | Go      | `main.(*Server).handle(0xc0001)` then `\t/app/main.go:42 +0x1d` |
/// | Java    | `at com.shop.Pay.charge(Pay.java:42)` |
/// | Node.js | `at charge (/app/pay.js:42:7)` or `at /app/pay.js:42:7` |
/// | Ruby    | `/app/pay.rb:42:in 'Pay#charge'` (or with a backtick) |
/// | .NET    | `at Shop.Pay.Charge(Int32 x) in /src/Pay.cs:line 42` |
/// | native  | gdb `#1 0x… in charge (x=1) at pay.c:42`, sanitizer `#1 0x… in charge /src/pay.c:42:5`, Swift `1 0x… charge() + 12 in app at /src/Pay.swift:42:5`, LLDB ``frame #1: 0x… app`charge(x=1) at pay.c:42:5`` |
///
/// The text comes from any SDK key holder, so no regular expression runs
/// over it: each format is a handful of forward/backward scans for fixed
/// patterns (`TraceLine`), linear in the line's length. Work is bounded: at
/// most `maxInputBytes` of text, lines of at most `maxLineBytes` (longer ones
/// are no frame of any runtime and are skipped) and `maxFrames` frames.
public enum StackTraceParser {
    public static let maxInputBytes = 64 * 1024
    public static let maxLineBytes = 16 * 1024
    public static let maxFrames = 256

    /// `maxLineBytes` is a parameter so benchmarks can time the scan on
    /// lines up to the whole input.
    public static func parse(_ text: String, maxLineBytes: Int = maxLineBytes) -> [CodeLocation] {
        let bytes = Array(text.utf8.prefix(maxInputBytes))
        var frames: [CodeLocation] = []
        var previous: TraceLine?
        for raw in lines(bytes) {
            guard frames.count < maxFrames else { break }
            guard raw.count <= maxLineBytes else {
                previous = nil
                continue
            }
            let line = trimmed(raw)
            if let frame = goFileLine(TraceLine(bytes: raw), functionLine: previous) ?? parseLine(line) {
                frames.append(frame)
            }
            previous = line
        }
        return frames
    }

    /// Non-empty lines; `\n`, `\r`, vertical tab and form feed end a line.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(whereSeparator: { $0 == 10 || $0 == 13 || $0 == 11 || $0 == 12 })
    }

    static func trimmed(_ raw: ArraySlice<UInt8>) -> TraceLine {
        let line = TraceLine(bytes: raw)
        let first = line.span(from: line.start, Byte.isSpace)
        let last = max(first, line.spanBack(before: line.end, Byte.isSpace))
        return TraceLine(bytes: raw[first..<last])
    }

    /// For tests and benchmarks: one line in any single-line format.
    static func parseLine(_ text: String) -> CodeLocation? {
        parseLine(trimmed(ArraySlice(text.utf8)))
    }

    /// One trimmed line in any single-line format.
    static func parseLine(_ line: TraceLine) -> CodeLocation? {
        if line.has(P.pythonFile, at: line.start) { return python(line) }
        if line.has(P.at, at: line.start) { return dotNet(line) ?? java(line) ?? node(line) }
        if line.has(P.hash, at: line.start) { return gdb(line) ?? sanitizer(line) }
        if line.has(P.frame, at: line.start) || line.has(P.starFrame, at: line.start) { return lldb(line) }
        return ruby(line) ?? swiftBacktrace(line)
    }

    /// The fixed patterns the formats look for.
    enum P {
        static let pythonFile = Array(#"File ""#.utf8)
        static let pythonLine = Array(#"", line "#.utf8)
        static let pythonIn = Array(", in ".utf8)
        static let at = Array("at ".utf8)
        static let async = Array("async ".utf8)
        static let new = Array("new ".utf8)
        static let spaceParen = Array(" (".utf8)
        static let spaceAs = Array(" [as ".utf8)
        static let bracketParen = Array("] (".utf8)
        static let parenIn = Array(") in ".utf8)
        static let lineTag = Array(":line ".utf8)
        static let stateMachine = Array(">d__".utf8)
        static let dotAngle = Array(".<".utf8)
        static let from = Array("from ".utf8)
        static let rubyIn = Array(":in ".utf8)
        static let levels = Array(" levels)".utf8)
        static let goOffset = Array(" +0x".utf8)
        static let goExtension = Array(".go".utf8)
        static let panic = Array("panic(".utf8)
        static let createdBy = Array("created by ".utf8)
        static let inGoroutine = Array(" in goroutine ".utf8)
        static let hash = Array("#".utf8)
        static let hexPrefix = Array("0x".utf8)
        static let spaceHexPrefix = Array(" 0x".utf8)
        static let spaceIn = Array(" in ".utf8)
        static let spaceAt = Array(" at ".utf8)
        static let parenAt = Array(") at ".utf8)
        static let frame = Array("frame #".utf8)
        static let starFrame = Array("* frame #".utf8)
        static let colonHex = Array(": 0x".utf8)
        static let plus = Array(" + ".utf8)
        static let space = Array(" ".utf8)
    }

    // MARK: formats

    /// `File "PATH", line N, in FUNCTION`; the path is the longest that fits.
    static func python(_ l: TraceLine) -> CodeLocation? {
        guard let pathStart = l.skip(P.pythonFile, at: l.start) else { return nil }
        var before = l.end
        while let tag = l.last(P.pythonLine, from: pathStart + 1, before: before) {
            let digits = tag + P.pythonLine.count
            let digitsEnd = l.span(from: digits, Byte.isDigit)
            if digitsEnd > digits, let function = l.skip(P.pythonIn, at: digitsEnd), function < l.end {
                return CodeLocation(filePath: l.text(pathStart, tag), functionName: l.text(function, l.end),
                                    lineNumber: l.number(digits, digitsEnd))
            }
            before = tag
        }
        return nil
    }

    /// `at [module/]pkg.Class.method(File.java:42)`.
    static func java(_ l: TraceLine) -> CodeLocation? {
        guard let head = l.skip(P.at, at: l.start), l.end > head, l[l.end - 1] == Byte.closeParen,
              let open = l.first([Byte.openParen], from: head), open < l.end - 1 else { return nil }
        let close = l.end - 1
        // Inside the parentheses: FILE:LINE, the file without ':', '(', ')' or '/'.
        guard let colon = l.first([Byte.colon], from: open + 1, before: close), colon > open + 1,
              l.all(open + 1, colon, { $0 != 0x2F && $0 != Byte.openParen && $0 != Byte.closeParen }),
              colon + 1 < close, l.all(colon + 1, close, Byte.isDigit) else { return nil }
        // An optional module prefix ("java.base/"), then Class.method.
        var qualifiedStart = head
        if let slash = l.first([0x2F], from: head, before: open) {
            guard slash > head, l.all(head, slash, { Byte.isWord($0) || $0 == 0x2E || $0 == 0x40 || $0 == 0x2D }) else { return nil }
            qualifiedStart = slash + 1
        }
        guard let dot = l.last([0x2E], from: qualifiedStart, before: open), dot > qualifiedStart, dot + 1 < open,
              l.all(qualifiedStart, dot, { Byte.isWord($0) || $0 == 0x24 || $0 == 0x2E }),
              l.all(dot + 1, open, { Byte.isWord($0) || $0 == 0x24 || $0 == 0x3C || $0 == 0x3E || $0 == 0x2D }) else { return nil }
        let className = l.text(qualifiedStart, dot)
        let fileName = l.text(open + 1, colon)
        // Java traces carry only the file name; the package gives its directory.
        let package = CodeLocation.splitQualified(className).namespace
        let path = package.isEmpty ? fileName : package.replacingDots(with: "/") + "/" + fileName
        return CodeLocation(filePath: path, functionName: l.text(dot + 1, open), namespace: className,
                            lineNumber: l.number(colon + 1, close))
    }

    /// `at [async] [new] FUNCTION [as ALIAS] (PATH:LINE:COL)` or `at [async] PATH:LINE:COL`.
    static func node(_ l: TraceLine) -> CodeLocation? {
        guard var head = l.skip(P.at, at: l.start) else { return nil }
        head = l.skip(P.async, at: head) ?? head
        if l.end > head, l[l.end - 1] == Byte.closeParen, let tail = lineAndColumn(l, before: l.end - 1) {
            let named = l.skip(P.new, at: head) ?? head
            // The function is the shortest prefix followed by " (" or " [as ALIAS] (".
            var search = named + 1
            var nextBracket = -1
            while let space = l.first(P.space, from: search, before: tail.pathEnd) {
                var pathStart: Int?
                if l.has(P.spaceParen, at: space) {
                    pathStart = space + 2
                } else if l.has(P.spaceAs, at: space) {
                    if nextBracket < space { nextBracket = l.first([0x5D], from: space + P.spaceAs.count) ?? l.end }
                    if nextBracket > space + P.spaceAs.count, l.has(P.bracketParen, at: nextBracket) { pathStart = nextBracket + 3 }
                }
                if let pathStart, pathStart < tail.pathEnd {
                    let qualified = CodeLocation.splitQualified(l.text(named, space))
                    return nodeLocation(path: l.text(pathStart, tail.pathEnd), function: qualified.function,
                                        namespace: qualified.namespace, line: l.number(tail.line.lowerBound, tail.line.upperBound))
                }
                search = space + 1
            }
        }
        guard let tail = lineAndColumn(l, before: l.end), tail.pathEnd > head else { return nil }
        return nodeLocation(path: l.text(head, tail.pathEnd), function: "<anonymous>", namespace: "",
                            line: l.number(tail.line.lowerBound, tail.line.upperBound))
    }

    /// `:LINE:COL` ending just before `before`.
    private static func lineAndColumn(_ l: TraceLine, before: Int) -> (pathEnd: Int, line: Range<Int>)? {
        let column = l.spanBack(before: before, Byte.isDigit)
        guard column < before, column > l.start, l[column - 1] == Byte.colon else { return nil }
        let line = l.spanBack(before: column - 1, Byte.isDigit)
        guard line < column - 1, line > l.start, l[line - 1] == Byte.colon else { return nil }
        return (line - 1, line..<(column - 1))
    }

    private static func nodeLocation(path: String, function: String, namespace: String, line: Int) -> CodeLocation? {
        // Node's own modules ("node:internal/…") are not the service's code.
        guard !path.hasPrefix("node:") else { return nil }
        let cleanPath = path.hasPrefix("file://") ? String(path.dropFirst(7)) : path
        return CodeLocation(filePath: cleanPath, functionName: function, namespace: namespace, lineNumber: line)
    }

    /// `at FUNCTION(ARGS) in PATH:line N`.
    static func dotNet(_ l: TraceLine) -> CodeLocation? {
        guard let head = l.skip(P.at, at: l.start) else { return nil }
        let digits = l.spanBack(before: l.end, Byte.isDigit)
        let tag = digits - P.lineTag.count
        guard digits < l.end, l.has(P.lineTag, at: tag),
              let open = l.first([Byte.openParen], from: head + 1, before: tag),
              let parenIn = l.last(P.parenIn, from: open + 1, before: tag - P.parenIn.count) else { return nil }
        var qualified = CodeLocation.splitQualified(l.text(head, open))
        // An async method runs as "<Charge>d__5.MoveNext()" in a compiler-made state machine.
        if qualified.function == "MoveNext", let state = asyncStateMachine(qualified.namespace) {
            qualified = state
        }
        return CodeLocation(filePath: l.text(parenIn + P.parenIn.count, tag), functionName: qualified.function,
                            namespace: qualified.namespace, lineNumber: l.number(digits, l.end))
    }

    /// "Shop.Orders.OrderService.<PlaceAsync>d__4" → ("Shop.Orders.OrderService", "PlaceAsync").
    static func asyncStateMachine(_ namespace: String) -> (namespace: String, function: String)? {
        let l = TraceLine(bytes: ArraySlice(namespace.utf8))
        let digits = l.spanBack(before: l.end, Byte.isDigit)
        let marker = digits - P.stateMachine.count
        guard digits < l.end, l.has(P.stateMachine, at: marker),
              let open = l.last(P.dotAngle, from: l.start, before: marker) else { return nil }
        let nameStart = open + P.dotAngle.count
        guard nameStart < marker, l.all(nameStart, marker, { $0 != 0x3E }) else { return nil }
        return (l.text(l.start, open), l.text(nameStart, marker))
    }

    /// `[from ]PATH:LINE:in 'NAME'` (or with a backtick), maybe followed by a message.
    static func ruby(_ l: TraceLine) -> CodeLocation? {
        let body = l.skip(P.from, at: l.start) ?? l.start
        var search = body + 1
        var nextQuote = -1
        while let colon = l.first([Byte.colon], from: search) {
            search = colon + 1
            let digitsEnd = l.span(from: colon + 1, Byte.isDigit)
            guard digitsEnd > colon + 1, let quote = l.skip(P.rubyIn, at: digitsEnd), quote < l.end,
                  l[quote] == Byte.backtick || l[quote] == Byte.quote else { continue }
            if nextQuote <= quote { nextQuote = l.first([Byte.quote], from: quote + 1) ?? l.end }
            guard nextQuote < l.end, nextQuote > quote + 1 else { continue }
            let name = methodName(l.text(quote + 1, nextQuote))
            let qualified = name.contains("#") ? CodeLocation.splitQualified(name, separator: "#") : CodeLocation.splitQualified(name)
            return CodeLocation(filePath: l.text(body, colon), functionName: qualified.function, namespace: qualified.namespace,
                                lineNumber: l.number(colon + 1, digitsEnd))
        }
        return nil
    }

    /// "block (2 levels) in charge" → "charge": the method is what a breakpoint targets.
    static func methodName(_ name: String) -> String {
        for keyword in ["block", "rescue", "ensure"] where name.hasPrefix(keyword) {
            let l = TraceLine(bytes: ArraySlice(name.utf8))
            var index = l.start + keyword.utf8.count
            if let digits = l.skip(P.spaceParen, at: index) {
                let digitsEnd = l.span(from: digits, Byte.isDigit)
                if digitsEnd > digits, let after = l.skip(P.levels, at: digitsEnd) { index = after }
            }
            if let method = l.skip(P.spaceIn, at: index) { return l.text(method, l.end) }
        }
        return name
    }

    /// Go prints the function on one line and "\t/path/file.go:42 +0x1d" on the next.
    static func goFileLine(_ raw: TraceLine, functionLine: TraceLine?) -> CodeLocation? {
        guard raw.end > raw.start, raw[raw.start] == 9 else { return nil }
        var end = raw.end
        let hex = raw.spanBack(before: end, Byte.isHex)
        if hex < end, raw.has(P.goOffset, at: hex - P.goOffset.count) { end = hex - P.goOffset.count }
        let digits = raw.spanBack(before: end, Byte.isDigit)
        let pathStart = raw.start + 1
        guard digits < end, digits - 1 > pathStart, raw[digits - 1] == Byte.colon else { return nil }
        let pathEnd = digits - 1
        guard pathEnd - pathStart > P.goExtension.count, raw.has(P.goExtension, at: pathEnd - P.goExtension.count) else { return nil }
        var function = ""
        var namespace = ""
        if let functionLine, let name = goFunction(functionLine) ?? goCreatedBy(functionLine) {
            (namespace, function) = CodeLocation.splitQualified(name)
        }
        return CodeLocation(filePath: raw.text(pathStart, pathEnd), functionName: function, namespace: namespace,
                            lineNumber: raw.number(digits, end))
    }

    /// `[panic(]FUNCTION(ARGS)[)]`: the function has no whitespace, the arguments no parentheses.
    static func goFunction(_ l: TraceLine) -> String? {
        if let afterPanic = l.skip(P.panic, at: l.start), let name = goCall(l, from: afterPanic) { return name }
        return goCall(l, from: l.start)
    }

    private static func goCall(_ l: TraceLine, from start: Int) -> String? {
        guard l.end > start, l[l.end - 1] == Byte.closeParen else { return nil }
        for close in [l.end - 1, l.end - 2] where close > start && l[close] == Byte.closeParen {
            guard let open = l.last([Byte.openParen], from: start, before: close), open > start,
                  l.all(open + 1, close, { $0 != Byte.closeParen }),
                  l[start] != Byte.openParen && l[start] != Byte.closeParen,
                  l.all(start, open, Byte.isNotSpace) else { continue }
            return l.text(start, open)
        }
        return nil
    }

    /// `created by FUNCTION[ in goroutine N]`.
    static func goCreatedBy(_ l: TraceLine) -> String? {
        guard let start = l.skip(P.createdBy, at: l.start) else { return nil }
        var end = l.end
        let digits = l.spanBack(before: end, Byte.isDigit)
        if digits < end, l.has(P.inGoroutine, at: digits - P.inGoroutine.count) { end = digits - P.inGoroutine.count }
        guard end > start, l.all(start, end, Byte.isNotSpace) else { return nil }
        return l.text(start, end)
    }

    /// gdb: `#N  [0x… in ]FUNCTION (ARGS) at PATH:LINE`.
    static func gdb(_ l: TraceLine) -> CodeLocation? {
        let number = l.start + 1
        let numberEnd = l.span(from: number, Byte.isDigit)
        let spacesEnd = l.span(from: numberEnd, Byte.isSpace)
        guard numberEnd > number, spacesEnd > numberEnd else { return nil }
        var function = spacesEnd
        if let hex = l.skip(P.hexPrefix, at: function) {
            let hexEnd = l.span(from: hex, Byte.isHex)
            if hexEnd > hex, let after = l.skip(P.spaceIn, at: hexEnd) { function = after }
        }
        let functionEnd = l.span(from: function, Byte.isNotSpace)
        let digits = l.spanBack(before: l.end, Byte.isDigit)
        guard functionEnd > function, l.has(P.spaceParen, at: functionEnd),
              digits < l.end, digits > l.start, l[digits - 1] == Byte.colon,
              let parenAt = l.last(P.parenAt, from: functionEnd + 2, before: digits - 1 - P.parenAt.count) else { return nil }
        return CodeLocation(filePath: l.text(parenAt + P.parenAt.count, digits - 1), functionName: l.text(function, functionEnd),
                            lineNumber: l.number(digits, l.end))
    }

    /// LLDB: "frame #1: 0x… app`charge(amount=1) at pay.c:42:5".
    static func lldb(_ l: TraceLine) -> CodeLocation? {
        var index = l.start
        if l[index] == UInt8(ascii: "*") { index += 1 }
        if index < l.end, l[index] == 32 { index += 1 }
        guard let number = l.skip(P.frame, at: index) else { return nil }
        let numberEnd = l.span(from: number, Byte.isDigit)
        guard numberEnd > number, let hex = l.skip(P.colonHex, at: numberEnd) else { return nil }
        let hexEnd = l.span(from: hex, Byte.isHex)
        guard hexEnd > hex, let module = l.skip(P.space, at: hexEnd) else { return nil }
        let moduleEnd = l.span(from: module, Byte.isNotSpace)
        guard let tick = l.last([Byte.backtick], from: module + 1, before: moduleEnd) else { return nil }
        let functionStart = tick + 1
        guard let at = l.first(P.spaceAt, from: functionStart + 1), let tail = l.lineSuffix(pathStart: at + P.spaceAt.count) else {
            return nil
        }
        // "charge(amount=12)" → "charge": the argument list is not part of the name.
        var functionEnd = at
        if l[at - 1] == Byte.closeParen, let open = l.first([Byte.openParen], from: functionStart + 1, before: at - 1) {
            functionEnd = open
        }
        return CodeLocation(filePath: l.text(at + P.spaceAt.count, tail.pathEnd), functionName: l.text(functionStart, functionEnd),
                            lineNumber: l.number(tail.digits.lowerBound, tail.digits.upperBound))
    }

    /// AddressSanitizer: `#N 0x… in FUNCTION PATH:LINE[:COL]`.
    static func sanitizer(_ l: TraceLine) -> CodeLocation? {
        let number = l.start + 1
        let numberEnd = l.span(from: number, Byte.isDigit)
        guard numberEnd > number, let hex = l.skip(P.spaceHexPrefix, at: numberEnd) else { return nil }
        let hexEnd = l.span(from: hex, Byte.isHex)
        guard hexEnd > hex, let function = l.skip(P.spaceIn, at: hexEnd) else { return nil }
        let functionEnd = l.span(from: function, Byte.isNotSpace)
        guard functionEnd > function, let pathStart = l.skip(P.space, at: functionEnd),
              let tail = l.lineSuffix(pathStart: pathStart) else { return nil }
        return CodeLocation(filePath: l.text(pathStart, tail.pathEnd), functionName: l.text(function, functionEnd),
                            lineNumber: l.number(tail.digits.lowerBound, tail.digits.upperBound))
    }

    /// Swift's runtime backtracer: "1 0x… charge(amount:) + 12 in app at /src/Pay.swift:42:5".
    static func swiftBacktrace(_ l: TraceLine) -> CodeLocation? {
        let numberEnd = l.span(from: l.start, Byte.isDigit)
        var index = l.span(from: numberEnd, Byte.isSpace)
        guard numberEnd > l.start, index > numberEnd else { return nil }
        // An optional "[ra]" marker.
        if index < l.end, l[index] == UInt8(ascii: "[") {
            let wordEnd = l.span(from: index + 1, Byte.isWord)
            guard wordEnd > index + 1, wordEnd < l.end, l[wordEnd] == UInt8(ascii: "]") else { return nil }
            index = l.span(from: wordEnd + 1, Byte.isSpace)
            guard index > wordEnd + 1 else { return nil }
        }
        guard let hex = l.skip(P.hexPrefix, at: index) else { return nil }
        let hexEnd = l.span(from: hex, Byte.isHex)
        guard hexEnd > hex, let function = l.skip(P.space, at: hexEnd) else { return nil }
        // The first " in IMAGE at " after the function.
        var search = function + 1
        while let inIndex = l.first(P.spaceIn, from: search) {
            search = inIndex + 1
            let image = inIndex + P.spaceIn.count
            let imageEnd = l.span(from: image, Byte.isNotSpace)
            guard imageEnd > image, let pathStart = l.skip(P.spaceAt, at: imageEnd),
                  let tail = l.lineSuffix(pathStart: pathStart) else { continue }
            // "main + 64" → "main": the offset is not part of the name.
            var functionEnd = inIndex
            let offset = l.spanBack(before: inIndex, Byte.isDigit)
            if offset < inIndex, offset - P.plus.count > function, l.has(P.plus, at: offset - P.plus.count) {
                functionEnd = offset - P.plus.count
            }
            return CodeLocation(filePath: l.text(pathStart, tail.pathEnd), functionName: l.text(function, functionEnd),
                                lineNumber: l.number(tail.digits.lowerBound, tail.digits.upperBound))
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    func replacingDots(with separator: String) -> String {
        split(separator: ".", omittingEmptySubsequences: false).joined(separator: separator)
    }
}
