import Foundation
import Hummingbird
import Testing
import TraceKitCore
@testable import TraceKitServer

@Suite("OpenAPI document")
struct OpenAPITests {
    static let specURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.json")

    @Test("The embedded document is openapi.json (run Scripts/embed-openapi.sh after editing it)")
    func embeddedMatchesFile() throws {
        let file = try String(contentsOf: Self.specURL, encoding: .utf8)
        #expect(OpenAPIDocument.text.trimmingCharacters(in: .whitespacesAndNewlines) == file.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("It is served at /api/openapi.json without a key")
    func served() async throws {
        try await TestServer.run { server in
            let reply = try await server.request(.get, "/api/openapi.json", key: nil)
            #expect(reply.status == .ok)
            #expect(reply["openapi"]?.stringValue?.hasPrefix("3.1") == true)
        }
    }

    @Test("Every route the server answers is documented, and every documented route is answered")
    func routesMatchSpec() async throws {
        let spec = try JSONValue.parse(String(decoding: Data(contentsOf: Self.specURL), as: UTF8.self))
        let paths = try #require(spec["paths"]?.objectValue)
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in (item.objectValue ?? [:]).keys where ["get", "post", "patch", "delete", "put"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let served: Set<String> = [
            "GET /api/health", "GET /api/openapi.json",
            "GET /sdk/snapshots/active/{service}", "POST /sdk/snapshots/active/{service}",
            "POST /sdk/snapshots/auto-register", "POST /sdk/snapshots/capture", "GET /sdk/snapshots/stream/{service}",
            "GET /api/services", "POST /api/services/{name}/kill-switch",
            "GET /api/breakpoints", "POST /api/breakpoints", "GET /api/breakpoints/{id}",
            "PATCH /api/breakpoints/{id}", "DELETE /api/breakpoints/{id}",
            "GET /api/snapshots", "GET /api/snapshots/{id}", "DELETE /api/snapshots", "DELETE /api/snapshots/{id}",
            "GET /api/keys", "POST /api/keys", "DELETE /api/keys/{id}",
            "POST /v1/traces", "POST /v1/metrics",
            "GET /api/code", "GET /api/code/{service}",
        ]
        #expect(documented == served)
        // Each served route exists: a request to it is never "no route".
        try await TestServer.run { server in
            for route in served {
                let parts = route.split(separator: " ")
                let path = String(parts[1]).replacingOccurrences(of: "{service}", with: "checkout")
                    .replacingOccurrences(of: "{name}", with: "checkout").replacingOccurrences(of: "{id}", with: "x")
                if path.contains("stream") { continue }
                let reply = try await server.admin(HTTPRequest.Method(String(parts[0])) ?? .get, path, "{}")
                #expect(reply["message"]?.stringValue != "no route for this method and path", "\(route)")
            }
        }
    }
}
