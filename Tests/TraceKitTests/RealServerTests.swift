import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import TraceKit

/// The Swift module against a real tracekit-server (scripts/test.sh builds it
/// and sets TRACEKIT_SERVER_BIN; without a binary the suite is reported as
/// skipped, not silently passed).
@Suite("TraceKit.Client against tracekit-server", .enabled(if: RealServer.binary != nil))
struct RealServerTests {
    private struct Order: Encodable {
        var orderID: Int
        var email: String
        var card: String
    }

    @Test("a breakpoint set through the API captures an Encodable order, scrubbed")
    func captureArrivesScrubbed() throws {
        let server = try RealServer()
        defer { server.stop() }
        _ = try server.api("POST", "/api/breakpoints", [
            "service_name": "swift-real", "function_name": "captureArrivesScrubbed()", "label": "checkout",
            "file_path": "x.swift", "line_number": 1, "enabled": true,
        ])
        var options = try TraceKit.Options(apiKey: server.adminKey, serviceName: "swift-real", endpoint: server.baseURL)
        try options.setPollInterval(milliseconds: 100)
        let client = try TraceKit.Client(options: options)
        defer { client.shutdown() }
        let order = Order(orderID: 7, email: "jane@example.com", card: "4111 1111 1111 1111")
        var result = CaptureResult.skipped
        for _ in 0..<50 where result != .captured {
            result = try client.capture("checkout", order)
            if result != .captured { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(result == .captured)
        #expect(client.flush(timeout: .seconds(5)))
        let listing = try server.api("GET", "/api/snapshots?service=swift-real", nil)
        let snapshots = try #require(listing["snapshots"] as? [[String: Any]])
        let variables = try #require(snapshots.first?["variables"] as? [String: Any])
        #expect(variables["orderID"] as? Int == 7)
        #expect(variables["email"] as? String == "[REDACTED:email]")
        #expect(variables["card"] as? String == "[REDACTED:credit_card]")
    }
}

/// A tracekit-server process on a free port with a temporary database.
final class RealServer {
    static var binary: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates: [String?] = [ProcessInfo.processInfo.environment["TRACEKIT_SERVER_BIN"],
                                     root.appendingPathComponent("server/.build/debug/tracekit-server").path]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    let process = Process()
    let adminKey = "swift-test-admin-key"
    let baseURL: String
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try Self.freePort()
        baseURL = "http://127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: Self.binary ?? "/nonexistent")
        process.arguments = ["--port", "\(port)", "--database", directory.appendingPathComponent("db.sqlite").path,
                             "--admin-key", adminKey, "--log-level", "error",
                             "--auto-register-disabled"]  // the tests enable the breakpoints they need
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if (try? api("GET", "/api/health", nil)) != nil { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw URLError(.cannotConnectToHost)
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A management API call; the JSON object it returns.
    func api(_ method: String, _ path: String, _ body: [String: Any]?) throws -> [String: Any] {
        guard let url = URL(string: baseURL + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(adminKey, forHTTPHeaderField: "X-API-Key")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Data, Error> = .failure(URLError(.timedOut))
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { result = .failure(error) }
            else if let code = (response as? HTTPURLResponse)?.statusCode, !(200...299).contains(code) {
                result = .failure(URLError(.badServerResponse))
            } else { result = .success(data ?? Data()) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 5)
        let data = try result.get()
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
                guard bind(socket, raw, length) == 0 else { return -1 }
                return getsockname(socket, raw, &length)
            }
        }
        guard bound == 0 else { throw URLError(.cannotConnectToHost) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
