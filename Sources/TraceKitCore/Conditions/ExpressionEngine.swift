/// One-call evaluation for the C ABI (`tk_eval_expression`).
public enum ExpressionEngine {
    /// Evaluates `expression` (SDK mode) on the JSON document `variablesJSON`;
    /// returns the result as compact JSON text. An empty document means no
    /// variables (`{}`); a malformed one is an error whose message starts with
    /// "variables:" and whose offset is in the JSON document.
    public static func evaluate(expression: String, variablesJSON: UnsafeRawBufferPointer) -> Result<String, ExpressionError> {
        do throws(ExpressionError) {
            let variables = try parseVariables(variablesJSON)
            let condition = try ConditionExpression(expression)
            return .success(try condition.evaluate(variables, mode: .sdk).jsonText)
        } catch {
            return .failure(error)
        }
    }

    private static func parseVariables(_ bytes: UnsafeRawBufferPointer) throws(ExpressionError) -> JSONValue {
        if bytes.isEmpty { return .object([:]) }
        do throws(JSONParseError) {
            return try JSONValue.parse(bytes)
        } catch {
            throw ExpressionError(offset: error.offset, message: "variables: \(error.message)")
        }
    }
}
