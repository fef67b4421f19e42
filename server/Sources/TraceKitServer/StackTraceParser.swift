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
/// Work is bounded: at most `maxInputBytes` of text and `maxFrames` frames.
public enum StackTraceParser {
    public static let maxInputBytes = 64 * 1024
    public static let maxFrames = 256

    public static func parse(_ text: String) -> [CodeLocation] {
        var frames: [CodeLocation] = []
        var previousLine = ""
        for rawLine in boundedLines(text) {
            guard frames.count < maxFrames else { break }
            let line = rawLine.trimmingWhitespace()
            if let frame = parseGoFileLine(rawLine, functionLine: previousLine) ?? parseLine(line) {
                frames.append(frame)
            }
            previousLine = line
        }
        return frames
    }

    /// The first `maxInputBytes` of `text`, split into lines.
    static func boundedLines(_ text: String) -> [Substring] {
        let bounded: Substring
        if text.utf8.count > maxInputBytes {
            let end = text.utf8.index(text.utf8.startIndex, offsetBy: maxInputBytes)
            bounded = Substring(text[..<end])
        } else {
            bounded = Substring(text)
        }
        return bounded.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
    }

    /// One trimmed line in any single-line format.
    static func parseLine(_ line: String) -> CodeLocation? {
        if line.hasPrefix("File \"") { return python(line) }
        if line.hasPrefix("at ") { return dotNet(line) ?? java(line) ?? node(line) }
        if line.hasPrefix("#") { return gdb(line) ?? sanitizer(line) }
        if line.hasPrefix("frame #") || line.hasPrefix("* frame #") { return lldb(line) }
        return ruby(line) ?? swiftBacktrace(line)
    }

    // MARK: formats

    static func python(_ line: String) -> CodeLocation? {
        guard let m = line.wholeMatch(of: #/File "(.+)", line (\d+), in (.+)/#) else { return nil }
        return CodeLocation(filePath: String(m.1), functionName: String(m.3), lineNumber: Int(m.2) ?? 0)
    }

    static func java(_ line: String) -> CodeLocation? {
        // An optional module prefix ("java.base/"), then Class.method(File.java:42).
        guard let m = line.wholeMatch(of: #/at (?:[\w.@-]+/)?([\w$.]+)\.([\w$<>-]+)\(([^:()/]+):(\d+)\)/#) else { return nil }
        let className = String(m.1)
        let fileName = String(m.3)
        // Java traces carry only the file name; the package gives its directory.
        let package = CodeLocation.splitQualified(className).namespace
        let path = package.isEmpty ? fileName : package.replacingDots(with: "/") + "/" + fileName
        return CodeLocation(filePath: path, functionName: String(m.2), namespace: className, lineNumber: Int(m.4) ?? 0)
    }

    static func node(_ line: String) -> CodeLocation? {
        if let m = line.wholeMatch(of: #/at (?:async )?(?:new )?(.+?) \[?(?:as [^\]]+\] )?\((.+):(\d+):(\d+)\)/#) {
            let qualified = CodeLocation.splitQualified(String(m.1))
            return nodeLocation(path: String(m.2), function: qualified.function, namespace: qualified.namespace, line: String(m.3))
        }
        if let m = line.wholeMatch(of: #/at (?:async )?(.+):(\d+):(\d+)/#) {
            return nodeLocation(path: String(m.1), function: "<anonymous>", namespace: "", line: String(m.2))
        }
        return nil
    }

    private static func nodeLocation(path: String, function: String, namespace: String, line: String) -> CodeLocation? {
        // Node's own modules ("node:internal/…") are not the service's code.
        guard !path.hasPrefix("node:") else { return nil }
        let cleanPath = path.hasPrefix("file://") ? String(path.dropFirst(7)) : path
        return CodeLocation(filePath: cleanPath, functionName: function, namespace: namespace, lineNumber: Int(line) ?? 0)
    }

    static func dotNet(_ line: String) -> CodeLocation? {
        guard let m = line.wholeMatch(of: #/at (.+?)\((.*)\) in (.+):line (\d+)/#) else { return nil }
        var qualified = CodeLocation.splitQualified(String(m.1))
        // An async method runs as "<Charge>d__5.MoveNext()" in a compiler-made state machine.
        if qualified.function == "MoveNext",
           let state = qualified.namespace.wholeMatch(of: #/(.*)\.<([^>]+)>d__\d+/#) {
            qualified = (String(state.1), String(state.2))
        }
        return CodeLocation(filePath: String(m.3), functionName: qualified.function, namespace: qualified.namespace,
                            lineNumber: Int(m.4) ?? 0)
    }

    static func ruby(_ line: String) -> CodeLocation? {
        let body = line.hasPrefix("from ") ? String(line.dropFirst(5)) : line
        // Ruby < 3.4 quotes with `name', 3.4 with 'name'; the first line may add ": message (Class)".
        guard let m = body.firstMatch(of: #/^(.+?):(\d+):in [`']([^']+)'/#) else { return nil }
        var name = String(m.3)
        // "block (2 levels) in charge" → "charge": the method is what a breakpoint targets.
        if let range = name.firstMatch(of: #/^(?:block|rescue|ensure)(?: \(\d+ levels\))? in /#)?.range {
            name.removeSubrange(range)
        }
        let qualified = name.contains("#") ? CodeLocation.splitQualified(name, separator: "#") : CodeLocation.splitQualified(name)
        return CodeLocation(filePath: String(m.1), functionName: qualified.function, namespace: qualified.namespace,
                            lineNumber: Int(m.2) ?? 0)
    }

    /// Go prints the function on one line and "\t/path/file.go:42 +0x1d" on the next.
    static func parseGoFileLine(_ rawLine: Substring, functionLine: String) -> CodeLocation? {
        guard rawLine.hasPrefix("\t"), let m = rawLine.dropFirst().wholeMatch(of: #/(.+\.go):(\d+)(?: \+0x[0-9a-fA-F]+)?/#) else {
            return nil
        }
        var function = ""
        var namespace = ""
        if let f = functionLine.wholeMatch(of: #/(?:panic\()?([^\s()][^\s]*?)\((?:[^()]*)\)\)?/#) {
            (namespace, function) = CodeLocation.splitQualified(String(f.1))
        } else if let f = functionLine.wholeMatch(of: #/created by (\S+)(?: in goroutine \d+)?/#) {
            (namespace, function) = CodeLocation.splitQualified(String(f.1))
        }
        return CodeLocation(filePath: String(m.1), functionName: function, namespace: namespace, lineNumber: Int(m.2) ?? 0)
    }

    static func gdb(_ line: String) -> CodeLocation? {
        guard let m = line.wholeMatch(of: #/#\d+\s+(?:0x[0-9a-fA-F]+ in )?(\S+) \(.*\) at (.+):(\d+)/#) else { return nil }
        return CodeLocation(filePath: String(m.2), functionName: String(m.1), lineNumber: Int(m.3) ?? 0)
    }

    /// LLDB: "frame #1: 0x… app`charge(amount=1) at pay.c:42:5".
    static func lldb(_ line: String) -> CodeLocation? {
        guard let m = line.wholeMatch(of: #/\*? ?frame #\d+: 0x[0-9a-fA-F]+ \S+`(.+?)(?:\(.*\))? at (.+?):(\d+)(?::\d+)?/#) else {
            return nil
        }
        return CodeLocation(filePath: String(m.2), functionName: String(m.1), lineNumber: Int(m.3) ?? 0)
    }

    static func sanitizer(_ line: String) -> CodeLocation? {
        guard let m = line.wholeMatch(of: #/#\d+ 0x[0-9a-fA-F]+ in (\S+) (.+?):(\d+)(?::\d+)?/#) else { return nil }
        return CodeLocation(filePath: String(m.2), functionName: String(m.1), lineNumber: Int(m.3) ?? 0)
    }

    /// Swift's runtime backtracer: "1 0x… charge(amount:) + 12 in app at /src/Pay.swift:42:5".
    static func swiftBacktrace(_ line: String) -> CodeLocation? {
        guard let m = line.wholeMatch(of: #/\d+\s+(?:\[\w+\]\s+)?0x[0-9a-fA-F]+ (.+?)(?: \+ \d+)? in \S+ at (.+?):(\d+)(?::\d+)?/#) else {
            return nil
        }
        return CodeLocation(filePath: String(m.2), functionName: String(m.1), lineNumber: Int(m.3) ?? 0)
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
