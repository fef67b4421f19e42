// tracekit-server-bench: runs the server in-process on a free port (fresh
// SQLite file) and measures, over real loopback sockets:
//   1. capture ingest rate: C keep-alive connections posting captures;
//   2. SSE fan-out latency: S connected streams, the time from a management
//      API change (PATCH) to its breakpoint_updated arriving on each stream.
// Usage: tracekit-server-bench [captures] [connections] [streams] [changes]
// TRACEKIT_BENCH_DATABASE=postgres://... runs it on PostgreSQL instead (an
// empty database: the benchmark's breakpoint id is fixed).
// Build it in release: swift build -c release --product tracekit-server-bench
import Foundation
import Glibc
import Logging
import Synchronization
import TraceKitServer

// `tracekit-server-bench parse`: stack-trace parsing of hostile 64 KiB lines
// (the line cap lifted, so the scan itself is timed), then exit.
if CommandLine.arguments.dropFirst().first == "parse" {
    ParseBenchmark.run()
    exit(0)
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let totalCaptures = arguments.count > 0 ? arguments[0] : 20_000
let connections = arguments.count > 1 ? arguments[1] : 8
let streamCount = arguments.count > 2 ? arguments[2] : 200
let changes = arguments.count > 3 ? arguments[3] : 50

/// A blocking HTTP/1.1 keep-alive connection to 127.0.0.1.
final class Connection {
    let fd: Int32
    private var pending: [UInt8] = []

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if result != 0 { return nil }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, 0) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Reads one response with a Content-Length body; returns its status.
    func readResponse() -> Int {
        while true {
            if let headerEnd = find([13, 10, 13, 10]) {
                let head = String(decoding: pending[0..<headerEnd], as: UTF8.self).lowercased()
                let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                var length = 0
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                }
                while pending.count < headerEnd + 4 + length { if !fill() { return 0 } }
                pending.removeFirst(headerEnd + 4 + length)
                return status
            }
            if !fill() { return 0 }
        }
    }

    /// Appends what the socket has; false at EOF.
    func fill() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return false }
        pending.append(contentsOf: buffer[0..<count])
        return true
    }

    func drain() -> [UInt8] { defer { pending.removeAll(keepingCapacity: true) }; return pending }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count else { return nil }
        for i in 0...(pending.count - needle.count) where pending[i] == needle[0] && Array(pending[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}

func request(_ method: String, _ path: String, key: String, body: String) -> String {
    "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func now() -> Double { Date().timeIntervalSince1970 }

var config = ServerConfig()
config.port = 0
config.databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("tracekit-bench-\(UUID().uuidString).sqlite").path
config.retentionMaxCount = 0
config.sseBufferEvents = 1024
var logger = Logger(label: "bench")
logger.logLevel = .warning
let location = try StoreLocation(ProcessInfo.processInfo.environment["TRACEKIT_BENCH_DATABASE"] ?? config.databasePath)
let store = try await location.open(logger: logger)
print("database: \(location)")
let state = ServerState(config: config, store: store, logger: logger)
let adminKey = try await TraceKitServer.bootstrapDevelopmentKey(state: state) ?? ""
let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
let app = try TraceKitServer.makeApplication(state: state) { port in portContinuation.yield(port) }
let server = Task { try await app.run() }
func firstPort(_ ports: AsyncStream<Int>) async -> Int {
    for await port in ports { return port }
    return 0
}
let port = await firstPort(portStream)

var bp = Breakpoint(id: "bench-bp", serviceName: "bench", now: Date().timeIntervalSince1970)
bp.filePath = "bench.py"
bp.lineNumber = 1
try await store.insert(bp)

// 1. Ingest.
let capture = """
    {"breakpoint_id": "bench-bp", "service_name": "bench", "file_path": "bench.py", "line_number": 1, "function_name": "handler",
     "label": "bench", "variables": {"user": {"id": 42, "email": "[REDACTED]"}, "amount": 12.5, "items": ["a", "b", "c"]},
     "stack_trace": "handler (bench.py:1)\\nmain (bench.py:9)", "captured_at": "2026-11-25T12:00:00.000Z", "mode": "snapshot"}
    """
let captureRequest = request("POST", "/sdk/snapshots/capture", key: adminKey, body: capture)
let failures = Atomic<Int>(0)
let start = now()
let perConnection = totalCaptures / connections
let group = DispatchGroup()
for _ in 0..<connections {
    group.enter()
    Thread {
        defer { group.leave() }
        guard let connection = Connection(port: port) else { failures.add(perConnection, ordering: .relaxed); return }
        for _ in 0..<perConnection {
            connection.send(captureRequest)
            if connection.readResponse() != 201 { failures.add(1, ordering: .relaxed) }
        }
    }.start()
}
group.wait()
let elapsed = now() - start
let stored = try await store.snapshotCount()
print(String(format: "ingest: %d captures over %d connections in %.2f s = %.0f captures/s (stored %d, failed %d)",
             perConnection * connections, connections, elapsed, Double(perConnection * connections) / elapsed, stored, failures.load(ordering: .relaxed)))

// 2. SSE fan-out.
let latencies = Mutex<[Double]>([])
let sent = Mutex<[Int: Double]>([:])
let ready = Atomic<Int>(0)
for _ in 0..<streamCount {
    Thread {
        guard let connection = Connection(port: port) else { return }
        connection.send("GET /sdk/snapshots/stream/bench HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: \(adminKey)\r\nAccept: text/event-stream\r\n\r\n")
        var text = ""
        var seen = Set<Int>()
        var counted = false
        while connection.fill() {
            let arrival = now()
            text += String(decoding: connection.drain(), as: UTF8.self)
            if !counted && text.contains("event: init") { counted = true; ready.add(1, ordering: .relaxed) }
            // Each change carries {"bench_seq": N} in its metadata.
            while let range = text.range(of: "\"bench_seq\":") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                guard let seq = Int(digits), text[range.upperBound...].count > digits.count else { break }
                text = String(text[range.upperBound...])
                if seen.insert(seq).inserted, let t0 = sent.withLock({ $0[seq] }) {
                    latencies.withLock { $0.append(arrival - t0) }
                }
            }
            if text.count > 1_000_000 { text = String(text.suffix(100)) }
        }
    }.start()
}
while ready.load(ordering: .relaxed) < streamCount { try await Task.sleep(for: .milliseconds(20)) }
try await Task.sleep(for: .milliseconds(300))
let api = Connection(port: port)
for seq in 1...changes {
    sent.withLock { $0[seq] = now() }
    api?.send(request("PATCH", "/api/breakpoints/bench-bp", key: adminKey, body: #"{"metadata": {"bench_seq": \#(seq)}}"#))
    _ = api?.readResponse()
    try await Task.sleep(for: .milliseconds(50))
}
try await Task.sleep(for: .seconds(1))
let sorted = latencies.withLock { $0 }.sorted()
print(String(format: "sse fan-out: %d streams x %d changes, %d deliveries: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
             streamCount, changes, sorted.count, percentile(sorted, 0.5) * 1000, percentile(sorted, 0.99) * 1000, (sorted.last ?? .nan) * 1000))
server.cancel()
for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: config.databasePath + suffix) }
exit(0)
