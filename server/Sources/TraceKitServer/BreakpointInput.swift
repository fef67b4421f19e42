import TraceKitCore

/// Applies a management-API body (POST creates, PATCH updates) to a
/// breakpoint, validating every field. In a PATCH, an absent field is left as
/// it is and `null` clears an optional one.
enum BreakpointInput {
    static func apply(_ body: JSONValue, to bp: inout Breakpoint, creating: Bool) throws(APIError) {
        let f = try FieldReader(body)
        if creating {
            bp.serviceName = try f.requiredString("service_name", maxLength: 256)
        } else if f.has("service_name"), try f.string("service_name") != bp.serviceName {
            throw .badRequest("field 'service_name' cannot be changed")
        }
        if let v = try f.string("file_path", maxLength: 1024) { bp.filePath = v }
        if let v = try f.int("line_number") { bp.lineNumber = v }
        if let v = try f.string("function_name", maxLength: 512) { bp.functionName = v }
        if let v = try f.string("label", maxLength: 512) { bp.label = v }
        if let v = try f.int("max_captures") { bp.maxCaptures = v }
        if !creating, f.has("capture_count") {
            // Only a reset is allowed: the count is the server's to keep.
            guard try f.int("capture_count", range: 0...Int(Int32.max)) == 0 else {
                throw .badRequest("field 'capture_count' can only be reset to 0")
            }
            bp.captureCount = 0
        }
        if let v = try f.int("capture_frequency", range: 0...86_400 * 365) { bp.captureFrequency = v }
        if let v = try f.bool("enabled") { bp.enabled = v }
        if let v = try f.string("mode") {
            guard let mode = Breakpoint.Mode(rawValue: v) else { throw .badRequest("field 'mode' must be \"snapshot\" or \"logpoint\"") }
            bp.mode = mode
        }
        try applyOptionalLimits(f, to: &bp)
        if f.isNull("expire_at") { bp.expireAt = nil } else if let v = try f.timestamp("expire_at") { bp.expireAt = v }
        if let v = try f.object("metadata") { bp.metadata = v }
        if let v = try f.stringArray("capture_expressions", maxCount: 32) {
            for (index, expression) in v.enumerated() {
                do { _ = try CompiledCondition.compile(expression) } catch {
                    throw .badRequest(
                        "capture_expressions[\(index)] is invalid at offset \(error.offset): \(error.message)",
                        details: ["field": .string("capture_expressions"), "index": .int(Int64(index)), "offset": .int(Int64(error.offset))])
                }
            }
            bp.captureExpressions = v
        }
        try applyCondition(f, to: &bp)
        guard (!bp.filePath.isEmpty && bp.lineNumber > 0) || (!bp.functionName.isEmpty && !bp.label.isEmpty) else {
            throw .badRequest("a breakpoint needs file_path and line_number (> 0), or function_name and label")
        }
    }

    private static func applyOptionalLimits(_ f: FieldReader, to bp: inout Breakpoint) throws(APIError) {
        if f.isNull("stack_depth") { bp.stackDepth = nil } else if let v = try f.int("stack_depth", range: 1...1000) { bp.stackDepth = v }
        if f.isNull("max_depth") { bp.maxDepth = nil } else if let v = try f.int("max_depth", range: 1...64) { bp.maxDepth = v }
        if f.isNull("max_payload_bytes") { bp.maxPayloadBytes = nil } else if let v = try f.int("max_payload_bytes", range: 1...(64 << 20)) { bp.maxPayloadBytes = v }
        if f.isNull("idle_timeout_hours") { bp.idleTimeoutHours = nil } else if let v = try f.int("idle_timeout_hours", range: 1...(24 * 3650)) { bp.idleTimeoutHours = v }
    }

    /// The condition is compiled with the shared engine; `condition_eval`
    /// defaults from whether the SDKs can evaluate it.
    private static func applyCondition(_ f: FieldReader, to bp: inout Breakpoint) throws(APIError) {
        let requestedEval: Breakpoint.ConditionEval?
        if let text = try f.string("condition_eval") {
            guard let eval = Breakpoint.ConditionEval(rawValue: text) else {
                throw .badRequest("field 'condition_eval' must be \"sdk-evaluable\" or \"server-only\"")
            }
            requestedEval = eval
        } else {
            requestedEval = nil
        }
        if f.isNull("condition") { bp.condition = nil } else if let text = try f.string("condition") {
            bp.condition = text.isEmpty ? nil : text
        }
        guard let source = bp.condition else {
            bp.conditionEval = requestedEval ?? .sdkEvaluable
            return
        }
        let compiled: CompiledCondition
        do { compiled = try CompiledCondition.compile(source) } catch {
            throw .badRequest(
                "condition is invalid at offset \(error.offset): \(error.message)",
                details: ["field": .string("condition"), "offset": .int(Int64(error.offset))])
        }
        if requestedEval == .sdkEvaluable && !compiled.isSDKEvaluable {
            throw .badRequest("condition uses features the SDKs cannot evaluate; use condition_eval \"server-only\"")
        }
        if let requestedEval {
            bp.conditionEval = requestedEval
        } else if f.has("condition") {
            bp.conditionEval = compiled.isSDKEvaluable ? .sdkEvaluable : .serverOnly
        } else if !compiled.isSDKEvaluable {
            bp.conditionEval = .serverOnly
        }
    }
}
