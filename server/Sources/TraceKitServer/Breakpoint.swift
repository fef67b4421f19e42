import Synchronization
import TraceKitCore
/// A breakpoint as stored and as sent on the wire (docs/PROTOCOL.md "Breakpoint object").
public struct Breakpoint: Sendable, Equatable {
    public enum ConditionEval: String, Sendable { case sdkEvaluable = "sdk-evaluable", serverOnly = "server-only" }
    public enum Mode: String, Sendable { case snapshot, logpoint }

    public var id: String
    public var serviceName: String
    public var filePath: String
    public var lineNumber: Int
    public var functionName: String
    public var label: String
    public var condition: String?
    public var conditionEval: ConditionEval
    public var maxCaptures: Int
    public var captureCount: Int
    /// Minimum seconds between two accepted captures (0 = no limit).
    public var captureFrequency: Int
    /// Seconds since the epoch.
    public var expireAt: Double?
    public var enabled: Bool
    public var mode: Mode
    public var stackDepth: Int?
    public var maxDepth: Int?
    public var maxPayloadBytes: Int?
    public var captureExpressions: [String]
    public var idleTimeoutHours: Int?
    public var metadata: [String: JSONValue]
    public var autoRegistered: Bool
    public var createdAt: Double
    public var updatedAt: Double
    public var lastCaptureAt: Double?
    /// Captures received but dropped (server-only condition false, frequency, limits).
    public var droppedCount: Int

    /// A new breakpoint with the protocol's defaults.
    public init(id: String, serviceName: String, now: Double) {
        self.id = id
        self.serviceName = serviceName
        self.filePath = ""
        self.lineNumber = 0
        self.functionName = ""
        self.label = ""
        self.condition = nil
        self.conditionEval = .sdkEvaluable
        self.maxCaptures = 0
        self.captureCount = 0
        self.captureFrequency = 0
        self.expireAt = nil
        self.enabled = true
        self.mode = .snapshot
        self.captureExpressions = []
        self.metadata = [:]
        self.autoRegistered = false
        self.createdAt = now
        self.updatedAt = now
        self.droppedCount = 0
    }

    public func isExpired(at now: Double) -> Bool {
        if let expireAt, expireAt <= now { return true }
        if let idleTimeoutHours, idleTimeoutHours > 0 {
            let lastActivity = max(lastCaptureAt ?? createdAt, updatedAt)
            if now - lastActivity >= Double(idleTimeoutHours) * 3600 { return true }
        }
        return false
    }

    public var limitReached: Bool { maxCaptures > 0 && captureCount >= maxCaptures }

    /// The wire form. Absent optionals are omitted rather than sent as null.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id),
            "service_name": .string(serviceName),
            "file_path": .string(filePath),
            "line_number": .int(Int64(lineNumber)),
            "function_name": .string(functionName),
            "label": .string(label),
            "condition_eval": .string(conditionEval.rawValue),
            "max_captures": .int(Int64(maxCaptures)),
            "capture_count": .int(Int64(captureCount)),
            "capture_frequency": .int(Int64(captureFrequency)),
            "enabled": .bool(enabled),
            "mode": .string(mode.rawValue),
            "capture_expressions": .array(captureExpressions.map { .string($0) }),
            "metadata": .object(metadata),
            "auto_registered": .bool(autoRegistered),
            "created_at": .string(Timestamps.format(createdAt)),
            "updated_at": .string(Timestamps.format(updatedAt)),
            "dropped_count": .int(Int64(droppedCount)),
        ]
        if let condition { o["condition"] = .string(condition) }
        if let expireAt { o["expire_at"] = .string(Timestamps.format(expireAt)) }
        if let stackDepth { o["stack_depth"] = .int(Int64(stackDepth)) }
        if let maxDepth { o["max_depth"] = .int(Int64(maxDepth)) }
        if let maxPayloadBytes { o["max_payload_bytes"] = .int(Int64(maxPayloadBytes)) }
        if let idleTimeoutHours { o["idle_timeout_hours"] = .int(Int64(idleTimeoutHours)) }
        if let lastCaptureAt { o["last_capture_at"] = .string(Timestamps.format(lastCaptureAt)) }
        return .object(o)
    }
}

extension Breakpoint {
    /// A breakpoint created by an SDK's registration of a call site.
    static func autoRegistered(
        service: String, filePath: String, lineNumber: Int, functionName: String, label: String,
        defaults: AutoRegisterDefaults, now: Double
    ) -> Breakpoint {
        var bp = Breakpoint(id: StoreIDs.newID(), serviceName: service, now: now)
        bp.filePath = filePath
        bp.lineNumber = lineNumber
        bp.functionName = functionName
        bp.label = label
        bp.enabled = defaults.enabled
        if defaults.enabled {  // an opt-in breakpoint gets its limits from the person who enables it
            bp.maxCaptures = defaults.maxCaptures
            bp.idleTimeoutHours = defaults.idleTimeoutHours
        }
        bp.autoRegistered = true
        return bp
    }

    /// The strings of a stored JSON array (`capture_expressions`).
    static func storedStrings(_ text: String) -> [String] {
        guard case .array(let items) = JSONValue.parseStored(text) else { return [] }
        return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }
}
