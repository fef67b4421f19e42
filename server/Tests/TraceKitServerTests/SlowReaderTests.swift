import Foundation
import Glibc
import Testing
@testable import TraceKitServer

@Suite("Bounded memory for slow SSE readers")
struct SlowReaderTests {
    @Test("A stream whose client stops reading is disconnected once its buffer fills")
    func liveSlowReader() async throws {
        var config = TestServer.config()
        config.sseBufferEvents = 4
        config.maxBodyBytes = 1 << 20
        try await TestServer.run(config: config) { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1}"#)
            let stalled = try #require(StalledClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey))
            defer { stalled.close() }
            for _ in 0..<200 where server.state.hub.connectionCount(service: "checkout") == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.state.hub.connectionCount(service: "checkout") == 1)
            // ~60 KB per event; the kernel and NIO buffers absorb a few MB, then
            // the 4-event buffer fills and the server hangs up.
            let padding = String(repeating: "x", count: 60_000)
            var pushes = 0
            while server.state.hub.slowReadersDisconnected.load(ordering: .relaxed) == 0 && pushes < 600 {
                _ = try await server.admin(.patch, "/api/breakpoints/\(id)", #"{"metadata": {"pad": "\#(padding)", "n": \#(pushes)}}"#)
                pushes += 1
            }
            #expect(server.state.hub.slowReadersDisconnected.load(ordering: .relaxed) == 1)
            #expect(server.state.hub.connectionCount(service: "checkout") == 0)
            // A fresh connection still works.
            let fresh = try SSETestClient(port: server.port, path: "/sdk/snapshots/stream/checkout", key: server.sdkKey)
            defer { fresh.close() }
            _ = try await fresh.next("init")
        }
    }

    @Test("Idle expiry: a breakpoint with idle_timeout_hours is disabled after that long without captures")
    func idleTimeout() async throws {
        var config = TestServer.config()
        config.sweepIntervalSeconds = 3600  // the periodic sweep would hold the expiry lock (PostgreSQL) meanwhile
        try await TestServer.run(config: config) { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "idle_timeout_hours": 2}"#)
            #expect(try await server.state.store.disableExpiredBreakpoints(now: Timestamps.now() + 3600).isEmpty)
            let expired = try await server.state.store.disableExpiredBreakpoints(now: Timestamps.now() + 2 * 3600 + 1)
            #expect(expired.map(\.id) == [id])
            #expect(try await server.admin(.get, "/api/breakpoints/\(id)")["enabled"]?.boolValue == false)
        }
    }
}

/// Connects, asks for the stream with a tiny receive buffer, and never reads.
final class StalledClient: Sendable {
    let fd: Int32

    init?(port: Int, path: String, key: String) {
        for family in [AF_INET, AF_INET6] {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            var size: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var connected: Int32 = -1
            if family == AF_INET {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            } else {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = in_port_t(UInt16(port).bigEndian)
                address.sin6_addr = in6addr_loopback
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                }
            }
            if connected == 0 {
                self.fd = fd
                let request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nX-API-Key: \(key)\r\nAccept: text/event-stream\r\n\r\n"
                _ = request.withCString { send(fd, $0, strlen($0), 0) }
                return
            }
            Glibc.close(fd)
        }
        return nil
    }

    func close() { Glibc.close(fd) }
}
