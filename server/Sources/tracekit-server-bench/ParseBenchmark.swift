import Foundation
import TraceKitServer

/// Times `StackTraceParser.parse` on single 64 KiB lines built to make a
/// backtracking matcher explode (issue 11: 10 s for 16 KiB with regexes),
/// with the per-line cap lifted so the whole line is scanned.
enum ParseBenchmark {
    static let size = 64 * 1024

    static let hostileLines: [(String, String)] = [
        ("at + '(' x n", "at " + String(repeating: "(", count: size - 3)),
        ("at + 'a (' x n", "at " + String(repeating: "a (", count: (size - 3) / 3)),
        ("at + ' [as ' x n", "at " + String(repeating: " [as ", count: (size - 3) / 5)),
        (".NET ') in ' x n", "at f(" + String(repeating: ") in ", count: (size - 20) / 5) + ":line x"),
        ("python '\", line 1' x n", "File \"" + String(repeating: "\", line 1", count: (size - 6) / 9)),
        ("ruby ':1:in `' x n", "x" + String(repeating: ":1:in `", count: (size - 1) / 7)),
        ("gdb ') at ' x n", "#1 0x1 in f (" + String(repeating: ") at ", count: (size - 13) / 5)),
        ("sanitizer ':1' x n", "#1 0x1 in f " + String(repeating: ":1", count: (size - 13) / 2) + "x"),
        ("lldb ' at ' x n", "frame #1: 0x1 m`" + String(repeating: " at ", count: (size - 16) / 4)),
        ("swift ' in x' x n", "1 0x1 f" + String(repeating: " in x", count: (size - 7) / 5)),
        ("go '.go:1' x n", "\t" + String(repeating: ".go:1", count: (size - 1) / 5)),
        ("plain text", String(repeating: "lorem ipsum ", count: size / 12)),
    ]

    static func run() {
        print("StackTraceParser.parse, one 64 KiB line each (line cap lifted), best and worst of 20 runs:")
        var slowest = 0.0
        var framesFound = 0
        for (name, line) in hostileLines {
            var times: [Double] = []
            for _ in 0..<20 {
                let start = DispatchTime.now().uptimeNanoseconds
                let frames = StackTraceParser.parse(line, maxLineBytes: .max)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                framesFound += frames.count
            }
            slowest = max(slowest, times.max() ?? 0)
            print(String(format: "  %-26@ %6d bytes  min %7.3f ms  max %7.3f ms", name as NSString, line.utf8.count,
                         times.min() ?? 0, times.max() ?? 0))
        }
        print(String(format: "slowest: %.3f ms (target <= 5 ms); frames found: %d", slowest, framesFound))
    }
}
