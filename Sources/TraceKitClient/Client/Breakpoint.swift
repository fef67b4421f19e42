import TraceKitCore

/// One breakpoint as the backend describes it (docs/PROTOCOL.md "Breakpoint
/// object"). Immutable; a change on the server replaces the value. A class,
/// so that a checkpoint reading its site's breakpoint retains one reference
/// instead of copying a dozen fields.
final class Breakpoint: Sendable {
    enum Mode: String, Sendable { case snapshot, logpoint }

    let id: String
    let filePath: String
    let functionName: String
    let label: String
    let lineNumber: Int
    let condition: ConditionExpression?
    /// A condition that did not parse: the SDK captures and lets the server decide.
    let conditionText: String
    let sdkEvaluable: Bool
    let maxCaptures: Int
    let captureCount: Int
    /// Unix seconds.
    let expireAt: Double?
    let enabled: Bool
    /// Created by a site's auto-registration (tracekit-server says so) rather
    /// than by a person.
    let autoRegistered: Bool
    let mode: Mode
    let stackDepth: Int?
    let maxDepth: Int?
    let maxPayloadBytes: Int?
    /// Minimum seconds between captures; 0 = none.
    let captureFrequency: Double
    let captureExpressions: [(source: String, expression: ConditionExpression?)]

    /// Nil when the object has no usable `id`.
    init?(_ json: JSONValue) {
        guard case .object(let fields) = json, let id = fields["id"]?.stringOrNumberText, !id.isEmpty else {
            return nil
        }
        self.id = id
        filePath = fields["file_path"]?.stringValue ?? ""
        functionName = fields["function_name"]?.stringValue ?? ""
        label = fields["label"]?.stringValue ?? ""
        lineNumber = fields["line_number"]?.intValue ?? 0
        conditionText = fields["condition"]?.stringValue ?? ""
        condition = conditionText.isEmpty ? nil : try? ConditionExpression(conditionText)
        // "server-only" or unset: the server decides (docs/PROTOCOL.md "Conditions").
        sdkEvaluable = fields["condition_eval"]?.stringValue == "sdk-evaluable" && (condition?.isSDKEvaluable ?? false)
        maxCaptures = max(0, fields["max_captures"]?.intValue ?? 0)
        captureCount = max(0, fields["capture_count"]?.intValue ?? 0)
        expireAt = fields["expire_at"]?.stringValue.flatMap(RFC3339.parse)
        enabled = fields["enabled"]?.boolValue ?? true
        autoRegistered = fields["auto_registered"]?.boolValue ?? false
        mode = fields["mode"]?.stringValue.flatMap(Mode.init(rawValue:)) ?? .snapshot
        stackDepth = fields["stack_depth"]?.intValue.map { max(0, $0) }
        maxDepth = fields["max_depth"]?.intValue.map { max(0, $0) }
        maxPayloadBytes = fields["max_payload_bytes"]?.intValue.map { max(0, $0) }
        captureFrequency = max(0, fields["capture_frequency"]?.doubleValue ?? 0)
        captureExpressions = (fields["capture_expressions"]?.arrayValue ?? []).compactMap { item in
            guard let source = item.stringValue else { return nil }
            return (source, try? ConditionExpression(source))
        }
    }

    /// The key a call site is matched by first (docs/PROTOCOL.md); then by file
    /// and line (`BreakpointSet`, `SourcePath`).
    var labelKey: String? {
        functionName.isEmpty || label.isEmpty ? nil : "\(functionName):\(label)"
    }

    /// Whether `other`, a newer state of this breakpoint, changes nothing
    /// the SDK acts on. tracekit-server pushes one update per stored capture
    /// whose only news is `capture_count`, which matters only under
    /// max_captures. A field added to this class must be compared here too.
    func actsTheSame(as other: Breakpoint) -> Bool {
        maxCaptures == other.maxCaptures && (maxCaptures == 0 || captureCount == other.captureCount)
            && id == other.id && filePath == other.filePath && functionName == other.functionName
            && label == other.label && lineNumber == other.lineNumber && conditionText == other.conditionText
            && sdkEvaluable == other.sdkEvaluable && expireAt == other.expireAt && enabled == other.enabled
            && autoRegistered == other.autoRegistered && mode == other.mode && stackDepth == other.stackDepth
            && maxDepth == other.maxDepth && maxPayloadBytes == other.maxPayloadBytes
            && captureFrequency == other.captureFrequency
            && captureExpressions.map { $0.source } == other.captureExpressions.map { $0.source }
    }

    func isExpired(nowUnixSeconds: Double) -> Bool {
        expireAt.map { $0 <= nowUnixSeconds } ?? false
    }
}

extension JSONValue {
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Ids arrive as strings or numbers depending on the backend.
    var stringOrNumberText: String? {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        default: return nil
        }
    }

    var intValue: Int? {
        switch self {
        case .int(let value): return Int(truncatingIfNeeded: value)
        case .double(let value) where value.isFinite && abs(value) < 9e15: return Int(value)
        default: return nil
        }
    }

    var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }
}
