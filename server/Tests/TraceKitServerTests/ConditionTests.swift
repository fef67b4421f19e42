import Foundation
import Testing
import TraceKitCore
@testable import TraceKitServer

@Suite("Conditions on the server (TraceKitCore's engine)")
struct ConditionTests {
    struct Case: Sendable, CustomStringConvertible {
        let expression: String
        let variables: JSONValue
        let expected: JSONValue
        let classify: String
        var description: String { expression }
    }

    /// The shared conformance fixture, as copied into the root package's tests.
    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/TraceKitCoreTests/Fixtures/expressions.json")
        guard let data = try? Data(contentsOf: url), let fixture = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
            let cases = fixture["cases"]?.arrayValue
        else { return [] }
        let defaults = fixture["default_variables"] ?? .object([:])
        return cases.map { item in
            let variables = item["variables"] ?? .null
            return Case(
                expression: item["expression"]?.stringValue ?? "", variables: variables == .null ? defaults : variables,
                expected: item["expected"] ?? .null, classify: item["classify"]?.stringValue ?? "")
        }
    }()

    @Test("The fixture is found and complete")
    func fixtureLoaded() {
        #expect(Self.cases.count == 64)
    }

    @Test("Every fixture case is classified like the SDKs do, and boolean cases hold as expected", arguments: cases)
    func fixture(_ item: Case) throws {
        let condition = try CompiledCondition.compile(item.expression)
        #expect(condition.isSDKEvaluable == (item.classify == "sdk-evaluable"))
        if case .bool(let expected) = item.expected {
            #expect(condition.holds(item.variables) == expected)
        } else if item.classify == "server-only" {
            // The server evaluates what the SDKs cannot: all three hold on the default variables.
            #expect(condition.holds(item.variables) == true)
        }
    }

    @Test("Server-only conditions decide captures on receipt; non-matching ones are counted and dropped")
    func serverOnlyConditionOnCapture() async throws {
        try await TestServer.run { server in
            let created = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "condition": "len(items) > 2 && user.role == \"admin\""}"#)
            #expect(created["condition_eval"]?.stringValue == "server-only")
            let id = try #require(created["id"]?.stringValue)
            let match = try await server.capture(id, variables: #"{"items": [1, 2, 3], "user": {"role": "admin"}}"#)
            #expect(match["accepted"]?.boolValue == true)
            let miss = try await server.capture(id, variables: #"{"items": [1], "user": {"role": "admin"}}"#)
            #expect(miss["accepted"]?.boolValue == false)
            #expect(miss["reason"]?.stringValue == "condition_false")
            let bp = try await server.admin(.get, "/api/breakpoints/\(id)")
            #expect(bp["capture_count"]?.intValue == 1)
            #expect(bp["dropped_count"]?.intValue == 1)
        }
    }

    @Test("SDK-evaluable conditions are left to the SDK: the server stores what it receives")
    func sdkEvaluableNotRechecked() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "condition": "amount > 100"}"#)
            #expect(try await server.capture(id, variables: #"{"amount": 5}"#)["accepted"]?.boolValue == true)
        }
    }

    @Test("A server-only condition that fails to evaluate keeps the capture (as the SDKs do)")
    func evaluationErrorKeeps() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "condition": "len(amount) > 2"}"#)
            #expect(try await server.capture(id, variables: #"{"amount": 5}"#)["accepted"]?.boolValue == true)
        }
    }

    @Test("Syntax errors are reported with the engine's byte offset")
    func syntaxErrorOffset() async throws {
        try await TestServer.run { server in
            let reply = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "condition": "amount >> 3"}"#)
            expectJSONError(reply, .badRequest)
            let offset = try #require(reply["offset"]?.intValue)
            #expect((0...11).contains(offset))
            let bad = try await server.admin(.post, "/api/breakpoints",
                #"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "capture_expressions": ["user.", "ok"]}"#)
            expectJSONError(bad, .badRequest)
            #expect(bad["index"]?.intValue == 0)
        }
    }
}
