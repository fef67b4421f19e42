import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import Testing
import TraceKitCore
@testable import TraceKitServer

/// A server on an ephemeral port with a fresh database, an admin key and an
/// SDK key limited to service "checkout".
struct TestServer {
    let state: ServerState
    let client: any TestClientProtocol
    let adminKey: String
    let sdkKey: String
    let database: TestDatabase
    var port: Int { client.port ?? 0 }

    static func config() -> ServerConfig {
        var config = ServerConfig()
        config.databasePath = FileManager.default.temporaryDirectory
            .appendingPathComponent("tracekit-test-\(UUID().uuidString).sqlite").path
        config.port = 0
        config.heartbeatSeconds = 0.3
        config.sweepIntervalSeconds = 0.2
        config.maxBodyBytes = 64 * 1024
        return config
    }

    /// Runs `body` against a live server built from `config`.
    static func run(config: ServerConfig = config(), _ body: @Sendable (TestServer) async throws -> Void) async throws {
        var logger = Logger(label: "tracekit-test")
        logger.logLevel = .warning
        let database = try await TestDatabase.open(sqlitePath: config.databasePath, logger: logger)
        do {
            let state = ServerState(config: config, store: database.store, logger: logger)
            let adminKey = try #require(try await TraceKitServer.bootstrapDevelopmentKey(state: state))
            let (_, sdkKey) = try await database.store.createKey(name: "sdk", role: .sdk, services: ["checkout"], now: Timestamps.now())
            let app = try TraceKitServer.makeApplication(state: state)
            try await app.test(.live) { client in
                try await body(TestServer(state: state, client: client, adminKey: adminKey, sdkKey: sdkKey, database: database))
            }
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    struct Reply {
        let status: HTTPResponse.Status
        let json: JSONValue
        let contentType: String?
        subscript(key: String) -> JSONValue? { json.objectValue?[key] }
    }

    /// Sends a request; `key` nil sends no X-API-Key header.
    func request(_ method: HTTPRequest.Method, _ path: String, key: String?, body: String? = nil, bytes: [UInt8]? = nil) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key, let name = HTTPField.Name("X-API-Key") { headers[name] = key }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) } ?? body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        let json = text.isEmpty ? JSONValue.null : ((try? JSONValue.parse(text)) ?? .string(text))
        return Reply(status: response.status, json: json, contentType: response.headers[.contentType])
    }

    func admin(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> Reply {
        try await request(method, path, key: adminKey, body: body)
    }

    func sdk(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> Reply {
        try await request(method, path, key: sdkKey, body: body)
    }

    /// Creates a breakpoint through the API and returns its id.
    func createBreakpoint(_ fields: String) async throws -> String {
        let reply = try await admin(.post, "/api/breakpoints", fields)
        #expect(reply.status == .created, "\(reply.json)")
        return try #require(reply["id"]?.stringValue)
    }

    func capture(_ breakpointID: String, service: String = "checkout", variables: String = #"{"amount": 12}"#) async throws -> Reply {
        try await sdk(.post, "/sdk/snapshots/capture", """
            {"breakpoint_id": "\(breakpointID)", "service_name": "\(service)", "file_path": "app/pay.py",
             "line_number": 42, "function_name": "pay", "label": "before-charge", "variables": \(variables),
             "stack_trace": "pay (app/pay.py:42)", "captured_at": "2026-11-25T12:00:00.250Z", "mode": "snapshot"}
            """)
    }
}

extension JSONValue {
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    subscript(key: String) -> JSONValue? { objectValue?[key] }
}

/// Every error body has the documented shape.
func expectJSONError(_ reply: TestServer.Reply, _ status: HTTPResponse.Status, code: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.status == status, "\(reply.json)", sourceLocation: sourceLocation)
    #expect(reply["error"]?.stringValue != nil, "no 'error' in \(reply.json)", sourceLocation: sourceLocation)
    #expect(reply["message"]?.stringValue != nil, "no 'message' in \(reply.json)", sourceLocation: sourceLocation)
    if let code { #expect(reply["error"]?.stringValue == code, sourceLocation: sourceLocation) }
}
