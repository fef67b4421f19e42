import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// docs/PROTOCOL.md "Common": every request carries `X-API-Key`; bodies are JSON;
/// the endpoint may be a base URL or an OTLP traces URL whose path is dropped.
@Suite("Client: wire conventions")
struct ClientWireTests {
    @Test("polls, stream requests, registrations and captures all carry the X-API-Key header")
    func apiKeyOnEveryRequest() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.enableSSE()
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend, sse: true)
        defer { client.shutdown() }
        #expect(eventually { client.site(.checkout).isActive && backend.log().sseConnects >= 1 })
        #expect(client.capture(at: .checkout) == .captured)
        _ = client.capture(at: .refund)
        // Both sites register on their first hit (docs/PROTOCOL.md: once per function:label).
        #expect(eventually { backend.log().deliveredCaptures.count == 1 && backend.log().registrations.count == 2 })

        let log = backend.log()
        #expect(!log.pollRequests.isEmpty)
        #expect(log.pollRequests.allSatisfy { $0["api_key"] as? String == testAPIKey })
        #expect(log.streamRequests.allSatisfy { $0["x-api-key"] == testAPIKey })
        #expect(log.registrationRequests.allSatisfy { $0["api_key"] as? String == testAPIKey })
        let capture = try #require(log.captureAttempts.first)
        #expect(capture["api_key"] as? String == testAPIKey)
        let headers = capture["headers"] as? [String: String] ?? [:]
        #expect(headers["content-type"]?.hasPrefix("application/json") == true)
    }

    @Test("an OTLP traces URL as the endpoint talks to its base")
    func otlpEndpointForm() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        backend.setBreakpoints([breakpointJSON()])
        let client = try makeClient(backend) { try $0.setEndpoint(backend.endpoint + "/v1/traces") }
        defer { client.shutdown() }
        #expect(eventually { client.site(.checkout).isActive })
        #expect(client.capture(at: .checkout) == .captured)
        #expect(eventually { backend.log().deliveredCaptures.count == 1 })
    }

    @Test("the poll asks for this client's service")
    func pollNamesService() throws {
        let backend = try FakeBackend()
        defer { backend.stop() }
        let client = try makeClient(backend) { try $0.setServiceName("payments-api.v2") }
        defer { client.shutdown() }
        #expect(eventually { backend.log().polls >= 1 })
        #expect(backend.log().pollRequests.first?["service"] as? String == "payments-api.v2")
        #expect(backend.log().pollRequests.first?["method"] as? String == "GET")
    }
}
