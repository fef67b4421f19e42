import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// The official SDKs' shared conformance fixture (docs/PROTOCOL.md "Conditions"):
/// every one of its 64 cases must pass.
@Suite struct ConditionFixtureTests {
    struct FixtureCase: CustomTestStringConvertible, Sendable {
        var id: String
        var expression: String
        var variables: JSONValue
        var expected: JSONValue
        var isSDKEvaluable: Bool
        var testDescription: String { "\(id): \(expression)" }
    }

    static let cases: [FixtureCase] = loadFixture()

    static func loadFixture() -> [FixtureCase] {
        guard let url = Bundle.module.url(forResource: "expressions", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let document = try? data.withUnsafeBytes({ bytes throws(JSONParseError) in try JSONValue.parse(bytes) }),
              case .object(let root) = document,
              let defaults = root["default_variables"],
              case .array(let entries)? = root["cases"]
        else { return [] }
        return entries.compactMap { entry -> FixtureCase? in
            guard case .object(let fields) = entry,
                  case .string(let id)? = fields["id"],
                  case .string(let expression)? = fields["expression"],
                  case .string(let classification)? = fields["classify"]
            else { return nil }
            let variables = fields["variables"].flatMap { $0 == .null ? nil : $0 } ?? defaults
            return FixtureCase(id: id, expression: expression, variables: variables,
                               expected: fields["expected"] ?? .null,
                               isSDKEvaluable: classification == "sdk-evaluable")
        }
    }

    @Test func fixtureHasAllSixtyFourCases() {
        #expect(Self.cases.count == 64)
        #expect(Self.cases.filter { !$0.isSDKEvaluable }.count == 3)
    }

    @Test(arguments: cases)
    func classificationMatches(_ fixture: FixtureCase) throws {
        let condition = try ConditionExpression(fixture.expression)
        #expect(condition.isSDKEvaluable == fixture.isSDKEvaluable)
    }

    @Test(arguments: cases.filter(\.isSDKEvaluable))
    func sdkEvaluableCaseGivesExpectedValue(_ fixture: FixtureCase) throws {
        let condition = try ConditionExpression(fixture.expression)
        let value = try condition.evaluate(fixture.variables, mode: .sdk)
        #expect(sameValue(value, fixture.expected), "got \(value.jsonText), expected \(fixture.expected.jsonText)")
        // The server runs the same engine: it must agree.
        #expect(sameValue(try condition.evaluate(fixture.variables, mode: .server), fixture.expected))
    }

    @Test(arguments: cases.filter { !$0.isSDKEvaluable })
    func serverOnlyCaseThrowsInSDKModeAndHoldsOnServer(_ fixture: FixtureCase) throws {
        let condition = try ConditionExpression(fixture.expression)
        #expect(throws: ExpressionError.self) { try condition.evaluate(fixture.variables, mode: .sdk) }
        // len(tags) > 1, path matches "/api/.*", contains(email, "@"): all true on the defaults.
        #expect(try condition.holds(fixture.variables, mode: .server))
    }

    /// Numbers compare numerically (the fixture's 300 may be our .int or .double).
    private func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let order = ExpressionValues.compareNumbers(a, b) { return order == 0 }
        return a == b
    }
}
