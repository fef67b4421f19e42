import FuzzDriver
import TraceKitCore

/// One fuzz input: the bytes before the first newline are the expression, the
/// rest is the variables JSON (`{}` when absent or malformed). The expression
/// is parsed and evaluated in both modes; errors are expected and ignored.
/// Tests/TraceKitCoreTests/ConditionCorpusReplayTests.swift replays the corpus
/// through the same steps: keep the two in step.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let newline = input.firstIndex(of: 0x0A) ?? input.count
    let expression = String(decoding: input[..<newline], as: UTF8.self)
    let json = UnsafeRawBufferPointer(rebasing: input[min(newline + 1, input.count)...])

    let variables = (try? JSONValue.parse(json)) ?? .object([:])
    requireReparsable(variables)
    if let condition = try? ConditionExpression(expression) {
        for mode in [EvaluationMode.sdk, .server] {
            if let value = try? condition.evaluate(variables, mode: mode) { requireReparsable(value) }
            _ = try? condition.holds(variables, mode: mode)
        }
    }
    if case .success(let text) = ExpressionEngine.evaluate(expression: expression, variablesJSON: json),
       (try? JSONValue.parse(text)) == nil {
        fatalError("ExpressionEngine returned JSON that does not parse: \(text)")
    }
    return 0
}

/// Whatever the engine returns must be valid JSON text.
private func requireReparsable(_ value: JSONValue) {
    if (try? JSONValue.parse(value.jsonText)) == nil {
        fatalError("jsonText does not parse back: \(value.jsonText)")
    }
}

@_cdecl("ConditionFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    tk_fuzz_run(argc, argv, fuzzOneInput)
}
