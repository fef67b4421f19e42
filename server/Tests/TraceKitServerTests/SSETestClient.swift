import Foundation
import Glibc
import Synchronization
import TraceKitCore
@testable import TraceKitServer

/// A minimal real SSE client for tests: a blocking socket read on its own
/// thread (never on the cooperative pool), HTTP/1.1 chunked decoding, and
/// event parsing. Events are collected; `next` waits for a matching one.
final class SSETestClient: Sendable {
    struct Event: Sendable {
        let name: String
        let data: JSONValue
    }

    private struct State {
        var events: [Event] = []
        var consumed = 0
        var status: Int?
        var closed = false
    }

    private let fd: Int32
    private let state = Mutex(State())

    init(port: Int, path: String, key: String) throws {
        // The live test server binds "localhost", which may be IPv4 or IPv6.
        guard let fd = Self.connectLoopback(port: port) else { throw POSIXError(.ECONNREFUSED) }
        self.fd = fd
        let request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nX-API-Key: \(key)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        let thread = Thread { [self] in self.readLoop() }
        thread.start()
    }

    deinit { close() }

    private static func connectLoopback(port: Int) -> Int32? {
        let v4 = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected4 = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(v4, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected4 == 0 { return v4 }
        Glibc.close(v4)
        let v6 = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        var address6 = sockaddr_in6()
        address6.sin6_family = sa_family_t(AF_INET6)
        address6.sin6_port = in_port_t(UInt16(port).bigEndian)
        address6.sin6_addr = in6addr_loopback
        let connected6 = withUnsafePointer(to: &address6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(v6, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        if connected6 == 0 { return v6 }
        Glibc.close(v6)
        return nil
    }

    func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
    }

    var status: Int? { state.withLock { $0.status } }
    var isClosed: Bool { state.withLock { $0.closed } }
    var allEvents: [Event] { state.withLock { $0.events } }
    /// How many events `next` has read past; `rewind(to:)` goes back there.
    var position: Int { state.withLock { $0.consumed } }
    func rewind(to position: Int) { state.withLock { $0.consumed = min($0.consumed, position) } }

    /// Waits for the next event named `name` (skipping others) that satisfies `matching`.
    func next(_ name: String, timeout: Double = 5, matching: @Sendable (JSONValue) -> Bool = { _ in true }) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let found: JSONValue? = state.withLock { state in
                while state.consumed < state.events.count {
                    let event = state.events[state.consumed]
                    state.consumed += 1
                    if event.name == name && matching(event.data) { return event.data }
                }
                return nil
            }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SSETimeout(name: name, seen: allEvents.map(\.name))
    }

    struct SSETimeout: Error, CustomStringConvertible {
        let name: String
        let seen: [String]
        var description: String { "no '\(name)' event; saw \(seen)" }
    }

    // MARK: reading (on the dedicated thread)

    private func readLoop() {
        var raw: [UInt8] = []
        var body: [UInt8] = []
        var headersDone = false
        var chunked = false
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            raw.append(contentsOf: buffer[0..<count])
            if !headersDone, let end = Self.find([13, 10, 13, 10], in: raw) {
                let head = String(decoding: raw[0..<end], as: UTF8.self)
                let statusCode = head.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                chunked = head.lowercased().contains("transfer-encoding: chunked")
                state.withLock { $0.status = statusCode }
                raw.removeFirst(end + 4)
                headersDone = true
            }
            guard headersDone else { continue }
            if chunked { Self.dechunk(&raw, into: &body) } else { body.append(contentsOf: raw); raw.removeAll() }
            parseEvents(&body)
        }
        state.withLock { $0.closed = true }
    }

    private static func dechunk(_ raw: inout [UInt8], into body: inout [UInt8]) {
        while let lineEnd = find([13, 10], in: raw) {
            let sizeText = String(decoding: raw[0..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return }
            guard raw.count >= lineEnd + 2 + size + 2 else { return }
            body.append(contentsOf: raw[(lineEnd + 2)..<(lineEnd + 2 + size)])
            raw.removeFirst(lineEnd + 2 + size + 2)
        }
    }

    private func parseEvents(_ body: inout [UInt8]) {
        while let end = Self.find([10, 10], in: body) {
            let text = String(decoding: body[0..<end], as: UTF8.self)
            body.removeFirst(end + 2)
            var name = "message"
            var data = ""
            for line in text.split(separator: "\n") {
                if line.hasPrefix("event:") { name = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("data:") { data += line.dropFirst(5).trimmingCharacters(in: .whitespaces) }
            }
            guard !data.isEmpty else { continue }
            let json = (try? JSONValue.parse(data)) ?? .string(data)
            state.withLock { $0.events.append(Event(name: name, data: json)) }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
