import CZlib
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import TraceKitCore
@testable import TraceKitServer

/// `POST /v1/traces` feeds the code index; `GET /api/code/{service}` shows it.
@Suite("Trace ingest and the code index")
struct TraceIngestTests {
    static let pythonTrace = """
        Traceback (most recent call last):\\n  File \\"/app/shop/payments.py\\", line 42, in charge\\n    raise ValueError()\\nValueError
        """

    /// An OTLP JSON export: one span with code.* attributes and an exception event.
    static func jsonExport(service: String = "checkout", lineAttribute: String = #"{"intValue": "17"}"#) -> String {
        """
        {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "\(service)"}}]},
          "scopeSpans": [{"scope": {"name": "test"}, "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "POST /checkout",
            "attributes": [{"key": "code.filepath", "value": {"stringValue": "/app/shop/views.py"}},
                           {"key": "code.function", "value": {"stringValue": "checkout"}},
                           {"key": "code.lineno", "value": \(lineAttribute)}],
            "events": [{"name": "exception", "attributes": [
              {"key": "exception.type", "value": {"stringValue": "ValueError"}},
              {"key": "exception.stacktrace", "value": {"stringValue": "\(pythonTrace)"}}]}]}]}]}]}
        """
    }

    static func post(_ server: TestServer, body: [UInt8], contentType: String?, encoding: String? = nil,
                     key: String? = nil) async throws -> TestServer.Reply {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let encoding { headers[.contentEncoding] = encoding }
        if let name = HTTPField.Name("X-API-Key") { headers[name] = key ?? server.sdkKey }
        let response = try await server.client.execute(uri: "/v1/traces", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        let text = String(buffer: response.body)
        let json = text.isEmpty ? JSONValue.null : ((try? JSONValue.parse(text)) ?? .string(text))
        return TestServer.Reply(status: response.status, json: json, contentType: response.headers[.contentType])
    }

    /// "file:line function" for every indexed line of `service`, plus function-level rows as "file:- function".
    static func indexed(_ server: TestServer, _ service: String = "checkout") async throws -> [String] {
        let reply = try await server.admin(.get, "/api/code/\(service)")
        #expect(reply.status == .ok)
        var result: [String] = []
        for file in reply["files"]?.arrayValue ?? [] {
            for function in file["functions"]?.arrayValue ?? [] {
                let name = function["function_name"]?.stringValue ?? "?"
                let lines = function["lines"]?.arrayValue ?? []
                if lines.isEmpty { result.append("\(file["file_path"]?.stringValue ?? "?"):- \(name)") }
                for line in lines {
                    result.append("\(file["file_path"]?.stringValue ?? "?"):\(line["line_number"]?.intValue ?? -1) \(name)")
                }
            }
        }
        return result
    }

    @Test("A JSON export indexes span attributes and exception frames, with hit counts")
    func jsonExport() async throws {
        try await TestServer.run { server in
            let body = Array(Self.jsonExport().utf8)
            let reply = try await Self.post(server, body: body, contentType: "application/json")
            #expect(reply.status == .ok)
            #expect(reply.json == .object([:]))
            #expect(try await Self.indexed(server) == ["/app/shop/payments.py:42 charge", "/app/shop/views.py:17 checkout"])
            _ = try await Self.post(server, body: body, contentType: "application/json")
            let tree = try await server.admin(.get, "/api/code/checkout")
            let file = try #require(tree["files"]?.arrayValue?.last)
            #expect(file["hit_count"]?.intValue == 2)
            #expect(file["functions"]?.arrayValue?.first?["lines"]?.arrayValue?.first?["hit_count"]?.intValue == 2)
            #expect(file["first_seen_at"]?.stringValue != nil && file["last_seen_at"]?.stringValue != nil)
            // The service is now known (it has a kill switch in /api/services).
            let services = try await server.admin(.get, "/api/services")
            #expect(services["services"]?.arrayValue?.contains { $0["name"]?.stringValue == "checkout" } == true)
            let summary = try await server.admin(.get, "/api/code")
            #expect(summary["services"]?.arrayValue?.first?["files"]?.intValue == 2)
        }
    }

    @Test("Each code line lists the line breakpoints an SDK there matches: path suffixes on whole components, most specific first")
    func codeLinesListMatchingBreakpoints() async throws {
        try await TestServer.run { server in
            #expect(try await Self.post(server, body: Array(Self.jsonExport().utf8), contentType: "application/json").status == .ok)
            let short = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "payments.py", "line_number": 42}"#)
            let longer = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "shop/payments.py", "line_number": 42}"#)
            _ = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "ayments.py", "line_number": 42}"#)
            _ = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "payments.py", "line_number": 43}"#)
            let tree = try await server.admin(.get, "/api/code/checkout")
            let file = try #require(tree["files"]?.arrayValue?.first { $0["file_path"]?.stringValue == "/app/shop/payments.py" })
            let line = try #require(file["functions"]?.arrayValue?.first?["lines"]?.arrayValue?.first)
            #expect(line["line_number"]?.intValue == 42)
            #expect(line["breakpoint_ids"] == .array([.string(longer), .string(short)]))
            let other = try #require(tree["files"]?.arrayValue?.first { $0["file_path"]?.stringValue == "/app/shop/views.py" })
            #expect(other["functions"]?.arrayValue?.first?["lines"]?.arrayValue?.first?["breakpoint_ids"] == .array([]))
        }
    }

    @Test("New semantic-convention names (code.file.path, code.function.name, code.line.number) and numeric ints")
    func newAttributeNames() async throws {
        try await TestServer.run { (server: TestServer) async throws in
            let body = """
                {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                  "scopeSpans": [{"spans": [{"name": "x", "attributes": [
                    {"key": "code.file.path", "value": {"stringValue": "src/Cart.java"}},
                    {"key": "code.function.name", "value": {"stringValue": "total"}},
                    {"key": "code.line.number", "value": {"intValue": 7}}]}]}]}]}
                """
            #expect(try await Self.post(server, body: Array(body.utf8), contentType: "application/json").status == .ok)
            #expect(try await Self.indexed(server) == ["src/Cart.java:7 total"])
        }
    }

    @Test("A gzip-encoded JSON export is inflated")
    func gzipJSON() async throws {
        try await TestServer.run { server in
            let body = try gzip(Array(Self.jsonExport().utf8))
            let reply = try await Self.post(server, body: body, contentType: "application/json", encoding: "gzip")
            #expect(reply.status == .ok, "\(reply.json)")
            #expect(try await Self.indexed(server).count == 2)
        }
    }

    @Test("A protobuf export (what OpenTelemetry exporters send by default) is indexed")
    func protobufExport() async throws {
        try await TestServer.run { server in
            var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            resourceSpans.resource.attributes = [keyValue("service.name", .stringValue("checkout"))]
            var span = Opentelemetry_Proto_Trace_V1_Span()
            span.name = "GET /cart"
            span.attributes = [keyValue("code.filepath", .stringValue("app/cart.rb")), keyValue("code.function", .stringValue("show")),
                               keyValue("code.lineno", .intValue(12)), keyValue("code.namespace", .stringValue("CartController"))]
            var event = Opentelemetry_Proto_Trace_V1_Span.Event()
            event.name = "exception"
            event.attributes = [keyValue("exception.stacktrace", .stringValue("/app/models/cart.rb:42:in `total': boom (RuntimeError)"))]
            span.events = [event]
            var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            scope.spans = [span]
            resourceSpans.scopeSpans = [scope]
            request.resourceSpans = [resourceSpans]
            let bytes: [UInt8] = try request.serializedBytes()
            let reply = try await Self.post(server, body: try gzip(bytes), contentType: "application/x-protobuf", encoding: "gzip")
            #expect(reply.status == .ok)
            #expect(reply.contentType == "application/x-protobuf")
            #expect(try await Self.indexed(server) == ["/app/models/cart.rb:42 total", "app/cart.rb:12 show"])
        }
    }

    @Test("Bad bodies get 400 with a reason")
    func badBodies() async throws {
        try await TestServer.run { server in
            let cases: [(String, String?, String)] = [
                ("{not json", "application/json", "not valid JSON"),
                (#"{"resourceSpans": {}}"#, "application/json", "resourceSpans must be an array"),
                (#"{"resourceSpans": [{"scopeSpans": [{"spans": [7]}]}]}"#, "application/json", "spans[0] must be an object"),
                ("\n\u{7F}", "application/x-protobuf", "not a valid protobuf"),
                ("", "application/json", "empty"),
                ("", "application/x-protobuf", "empty"),
                ("", nil, "empty"),
            ]
            for (body, type, reason) in cases {
                let reply = try await Self.post(server, body: Array(body.utf8), contentType: type)
                expectJSONError(reply, .badRequest, code: "invalid_request")
                #expect(reply["message"]?.stringValue?.contains(reason) == true, "\(reply.json)")
            }
            let notGzip = try await Self.post(server, body: Array("{}".utf8), contentType: "application/json", encoding: "gzip")
            expectJSONError(notGzip, .badRequest)
            let wrongType = try await Self.post(server, body: Array("{}".utf8), contentType: "text/plain")
            expectJSONError(wrongType, .unsupportedMediaType)
            #expect(try await Self.indexed(server).isEmpty)
        }
    }

    @Test("Oversized bodies get 413, also when they only grow on inflation")
    func oversized() async throws {
        try await TestServer.run { server in
            // The test server's limit is 64 KiB.
            let big = [UInt8](repeating: 0x20, count: 100 * 1024)
            expectJSONError(try await Self.post(server, body: big, contentType: "application/json"), .contentTooLarge)
            let bomb = try gzip([UInt8](repeating: 0x20, count: 2 * 1024 * 1024))
            #expect(bomb.count < 64 * 1024)
            expectJSONError(try await Self.post(server, body: bomb, contentType: "application/json", encoding: "gzip"), .contentTooLarge)
        }
    }

    @Test("Keys: none is 401; an SDK key only for its own services; /api/code needs admin")
    func keys() async throws {
        try await TestServer.run { server in
            let other = Array(Self.jsonExport(service: "billing").utf8)
            expectJSONError(try await Self.post(server, body: other, contentType: "application/json", key: ""), .unauthorized)
            expectJSONError(try await Self.post(server, body: other, contentType: "application/json"), .forbidden)
            #expect(try await Self.post(server, body: other, contentType: "application/json", key: server.adminKey).status == .ok)
            expectJSONError(try await server.sdk(.get, "/api/code/billing"), .forbidden)
            #expect(try await Self.indexed(server, "billing").count == 2)
        }
    }
}

func keyValue(_ key: String, _ value: Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value) -> Opentelemetry_Proto_Common_V1_KeyValue {
    var kv = Opentelemetry_Proto_Common_V1_KeyValue()
    kv.key = key
    kv.value.value = value
    return kv
}

struct GzipTestError: Error {}

/// gzip-compresses `input` (zlib with a gzip header), as an exporter would.
func gzip(_ input: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw GzipTestError() }
    defer { deflateEnd(&stream) }
    var input = input
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
    let status = input.withUnsafeMutableBufferPointer { inBuf in
        output.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = UInt32(outBuf.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { throw GzipTestError() }
    return Array(output.prefix(Int(stream.total_out)))
}
