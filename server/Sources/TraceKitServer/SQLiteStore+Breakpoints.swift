import GRDB
import TraceKitCore

/// Breakpoint rows: CRUD, auto-registration and expiry sweeps.
extension SQLiteStore {
    public func breakpoints(service: String?) async throws -> [Breakpoint] {
        try await pool.read { db in
            if let service {
                return try Row.fetchAll(db, sql: "SELECT * FROM breakpoints WHERE service_name = ? ORDER BY created_at, id", arguments: [service])
                    .map(Breakpoint.init(row:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM breakpoints ORDER BY created_at, id").map(Breakpoint.init(row:))
        }
    }

    public func breakpoint(id: String) async throws -> Breakpoint? {
        try await pool.read { db in try Self.fetchBreakpoint(db, id: id) }
    }

    @discardableResult
    public func insert(_ bp: Breakpoint) async throws -> Breakpoint {
        try await pool.write { db in
            try Self.touchService(db, name: bp.serviceName, now: bp.createdAt)
            try Self.saveBreakpoint(db, bp, insert: true)
        }
        changes.announce(StoreChange(.breakpointCreated, id: bp.id, service: bp.serviceName))
        return bp
    }

    @discardableResult
    public func update(_ bp: Breakpoint) async throws -> Breakpoint {
        try await pool.write { db in try Self.saveBreakpoint(db, bp, insert: false) }
        changes.announce(StoreChange(.breakpointUpdated, id: bp.id, service: bp.serviceName))
        return bp
    }

    public func deleteBreakpoint(id: String) async throws -> Breakpoint? {
        let deleted = try await pool.write { db -> Breakpoint? in
            guard let bp = try Self.fetchBreakpoint(db, id: id) else { return nil }
            try db.execute(sql: "DELETE FROM breakpoints WHERE id = ?", arguments: [id])
            return bp
        }
        if let deleted { changes.announce(StoreChange(.breakpointDeleted, id: deleted.id, service: deleted.serviceName)) }
        return deleted
    }

    /// Idempotent per (service, function, label): the existing breakpoint,
    /// its file and line updated when the code moved, or a new one made from
    /// `defaults`. `changed`: created or moved (announced).
    public func autoRegister(
        service: String, filePath: String, lineNumber: Int, functionName: String, label: String,
        defaults: AutoRegisterDefaults, now: Double
    ) async throws -> (breakpoint: Breakpoint, created: Bool, changed: Bool) {
        let result = try await pool.write { db -> (breakpoint: Breakpoint, created: Bool, changed: Bool) in
            try Self.touchService(db, name: service, now: now)
            if var existing = try Self.registeredBreakpoint(db, service: service, filePath: filePath,
                                                            lineNumber: lineNumber, functionName: functionName, label: label) {
                guard !label.isEmpty, existing.filePath != filePath || existing.lineNumber != lineNumber else {
                    return (existing, false, false)
                }
                existing.filePath = filePath
                existing.lineNumber = lineNumber
                existing.updatedAt = now
                try Self.saveBreakpoint(db, existing, insert: false)
                return (existing, false, true)
            }
            var bp = Breakpoint.autoRegistered(service: service, filePath: filePath, lineNumber: lineNumber,
                                               functionName: functionName, label: label, defaults: defaults, now: now)
            try Self.saveBreakpoint(db, bp, insert: true)
            return (bp, true, true)
        }
        if result.changed {
            changes.announce(StoreChange(result.created ? .breakpointCreated : .breakpointUpdated,
                                         id: result.breakpoint.id, service: service))
        }
        return result
    }

    /// A labelled site is known by (function, label) wherever it is; an
    /// unlabelled one only at its exact location.
    private static func registeredBreakpoint(
        _ db: Database, service: String, filePath: String, lineNumber: Int, functionName: String, label: String
    ) throws -> Breakpoint? {
        let row: Row?
        if label.isEmpty {
            row = try Row.fetchOne(db, sql: """
                SELECT * FROM breakpoints WHERE service_name = ? AND function_name = ? AND label = ''
                AND file_path = ? AND line_number = ? LIMIT 1
                """, arguments: [service, functionName, filePath, lineNumber])
        } else {
            row = try Row.fetchOne(db, sql: """
                SELECT * FROM breakpoints WHERE service_name = ? AND function_name = ? AND label = ? LIMIT 1
                """, arguments: [service, functionName, label])
        }
        return row.map(Breakpoint.init(row:))
    }

    /// Disables enabled breakpoints that expired (expire_at or idle timeout)
    /// and returns them (each is announced).
    public func disableExpiredBreakpoints(now: Double) async throws -> [Breakpoint] {
        let disabled = try await pool.write { db -> [Breakpoint] in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM breakpoints WHERE enabled = 1 AND (expire_at IS NOT NULL OR idle_timeout_hours IS NOT NULL)")
            var changed: [Breakpoint] = []
            for row in rows {
                var bp = Breakpoint(row: row)
                guard bp.isExpired(at: now) else { continue }
                bp.enabled = false
                bp.updatedAt = now
                try db.execute(sql: "UPDATE breakpoints SET enabled = 0, updated_at = ? WHERE id = ?", arguments: [now, bp.id])
                changed.append(bp)
            }
            return changed
        }
        for bp in disabled { changes.announce(StoreChange(.breakpointUpdated, id: bp.id, service: bp.serviceName)) }
        return disabled
    }

    static func fetchBreakpoint(_ db: Database, id: String) throws -> Breakpoint? {
        try Row.fetchOne(db, sql: "SELECT * FROM breakpoints WHERE id = ?", arguments: [id]).map(Breakpoint.init(row:))
    }

    static func saveBreakpoint(_ db: Database, _ bp: Breakpoint, insert: Bool) throws {
        let arguments: StatementArguments = [
            bp.serviceName, bp.filePath, bp.lineNumber, bp.functionName, bp.label, bp.condition,
            bp.conditionEval.rawValue, bp.maxCaptures, bp.captureCount, bp.captureFrequency, bp.expireAt,
            bp.enabled, bp.mode.rawValue, bp.stackDepth, bp.maxDepth, bp.maxPayloadBytes,
            JSONValue.array(bp.captureExpressions.map { .string($0) }).jsonText, bp.idleTimeoutHours,
            JSONValue.object(bp.metadata).jsonText, bp.autoRegistered, bp.createdAt, bp.updatedAt,
            bp.lastCaptureAt, bp.droppedCount, bp.id,
        ]
        if insert {
            try db.execute(sql: """
                INSERT INTO breakpoints (service_name, file_path, line_number, function_name, label, condition,
                condition_eval, max_captures, capture_count, capture_frequency, expire_at, enabled, mode, stack_depth,
                max_depth, max_payload_bytes, capture_expressions, idle_timeout_hours, metadata, auto_registered,
                created_at, updated_at, last_capture_at, dropped_count, id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: arguments)
        } else {
            try db.execute(sql: """
                UPDATE breakpoints SET service_name = ?, file_path = ?, line_number = ?, function_name = ?, label = ?,
                condition = ?, condition_eval = ?, max_captures = ?, capture_count = ?, capture_frequency = ?,
                expire_at = ?, enabled = ?, mode = ?, stack_depth = ?, max_depth = ?, max_payload_bytes = ?,
                capture_expressions = ?, idle_timeout_hours = ?, metadata = ?, auto_registered = ?, created_at = ?,
                updated_at = ?, last_capture_at = ?, dropped_count = ? WHERE id = ?
                """, arguments: arguments)
        }
    }
}

extension Breakpoint {
    init(row: Row) {
        self.init(id: row["id"] ?? "", serviceName: row["service_name"] ?? "", now: row["created_at"] ?? 0)
        filePath = row["file_path"] ?? ""
        lineNumber = row["line_number"] ?? 0
        functionName = row["function_name"] ?? ""
        label = row["label"] ?? ""
        condition = row["condition"]
        conditionEval = ConditionEval(rawValue: row["condition_eval"] ?? "") ?? .serverOnly
        maxCaptures = row["max_captures"] ?? 0
        captureCount = row["capture_count"] ?? 0
        captureFrequency = row["capture_frequency"] ?? 0
        expireAt = row["expire_at"]
        enabled = row["enabled"] ?? false
        mode = Mode(rawValue: row["mode"] ?? "") ?? .snapshot
        stackDepth = row["stack_depth"]
        maxDepth = row["max_depth"]
        maxPayloadBytes = row["max_payload_bytes"]
        captureExpressions = Self.storedStrings(row["capture_expressions"] ?? "[]")
        idleTimeoutHours = row["idle_timeout_hours"]
        metadata = JSONValue.parseStored(row["metadata"] ?? "{}").objectValue ?? [:]
        autoRegistered = row["auto_registered"] ?? false
        updatedAt = row["updated_at"] ?? createdAt
        lastCaptureAt = row["last_capture_at"]
        droppedCount = row["dropped_count"] ?? 0
    }
}
