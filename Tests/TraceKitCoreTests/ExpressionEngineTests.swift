import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("ExpressionEngine: one-call evaluation for tk_eval_expression")
struct ExpressionEngineTests {
    private func run(_ expression: String, _ json: String) -> Result<String, ExpressionError> {
        Array(json.utf8).withUnsafeBytes { ExpressionEngine.evaluate(expression: expression, variablesJSON: $0) }
    }

    @Test func returnsTheValueAsJSON() {
        #expect(run("a.b * 2", #"{"a":{"b":21}}"#) == .success("42"))
        #expect(run("a == 1", #"{"a":1.0}"#) == .success("true"))
        #expect(run(#"s + "!""#, #"{"s":"hi"}"#) == .success(#""hi!""#))
        #expect(run("a", #"{"a":{"x":[1]}}"#) == .success(#"{"x":[1]}"#))
    }

    @Test func emptyDocumentMeansNoVariables() {
        #expect(run("missing == nil", "") == .success("true"))
    }

    @Test func badVariablesAreAnErrorInTheDocument() {
        #expect(run("true", "{\"a\":") == .failure(ExpressionError(offset: 5, message: "variables: unexpected end of input")))
    }

    @Test func serverOnlyExpressionsAreRefused() {
        guard case .failure(let error) = run("len(a) > 0", #"{"a":"x"}"#) else {
            Issue.record("server-only expression evaluated in SDK mode")
            return
        }
        #expect(error.offset == 0)
    }

    @Test func evaluationErrorsCarryTheirOffset() {
        #expect(run("1 / 0", "{}") == .failure(ExpressionError(offset: 2, message: "division by zero")))
    }
}
