import Foundation
import TraceKitServer

/// Times `StackTraceParser.parse` on single 64 KiB lines built to make a
/// backtracking matcher explode (issue 11: 10 s for 16 KiB with regexes),
/// with the per-line cap lifted so the whole line is scanned. Timed in
/// thread CPU time, so other processes on a loaded machine do not count.
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
        print("StackTraceParser.parse, one 64 KiB line each (line cap lifted), thread CPU time, median and worst of 20 runs:")
        var slowest = 0.0
        var framesFound = 0
        for (name, line) in hostileLines {
            var times: [Double] = []
            for _ in 0..<20 {
                let start = threadCPUMilliseconds()
                let frames = StackTraceParser.parse(line, maxLineBytes: .max)
                times.append(threadCPUMilliseconds() - start)
                framesFound += frames.count
            }
            times.sort()
            slowest = max(slowest, times.last ?? 0)
            print(String(format: "  %6d bytes  median %7.3f ms  max %7.3f ms  ", line.utf8.count, times[times.count / 2],
                         times.last ?? 0) + name)
        }
        print(String(format: "slowest: %.3f ms (target <= 5 ms); frames found: %d", slowest, framesFound))
    }

    static func threadCPUMilliseconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) * 1e3 + Double(now.tv_nsec) / 1e6
    }
}
