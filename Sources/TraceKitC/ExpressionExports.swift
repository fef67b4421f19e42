import TraceKitCore

@_cdecl("tk_eval_expression")
public func tk_eval_expression(_ expression: UnsafePointer<CChar>?, _ json: UnsafePointer<CChar>?, _ length: Int,
                               _ statusOut: UnsafeMutablePointer<CInt>?) -> UnsafeMutablePointer<CChar>? {
    var result: UnsafeMutablePointer<CChar>? = nil
    let status = returningStatus { () throws(Failure) in
        let source = try requiredString(expression, "expression")
        let variables = try requiredBytes(json, length, "variables_json")
        switch ExpressionEngine.evaluate(expression: source, variablesJSON: UnsafeRawBufferPointer(variables)) {
        case .success(let text):
            guard let copy = mallocCString(Array(text.utf8)) else { throw Failure(.noMemory, "out of memory") }
            result = copy
        case .failure(let error):
            // ExpressionEngine prefixes errors in the document with "variables:".
            throw Failure(error.message.hasPrefix("variables:") ? .invalidJSON : .invalidArgument,
                          "expression error at offset \(error.offset): \(error.message)")
        }
    }
    statusOut?.pointee = status
    return result
}
