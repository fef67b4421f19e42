import PostgresNIO
import TraceKitCore

/// Breakpoint rows: CRUD, auto-registration and expiry sweeps.
extension PostgresStore {
    public func breakpoints(service: String?) async throws -> [Breakpoint] {
        let rows = if let service {
            try await rows("SELECT * FROM breakpoints WHERE service_name = \(service) ORDER BY created_at, id")
        } else {
            try await rows("SELECT * FROM breakpoints ORDER BY created_at, id")
        }
        return try rows.map(Breakpoint.init(postgres:))
    }

    public func breakpoint(id: String) async throws -> Breakpoint? {
        try await rows("SELECT * FROM breakpoints WHERE id = \(id)").first.map(Breakpoint.init(postgres:))
    }

    @discardableResult
    public func insert(_ bp: Breakpoint) async throws -> Breakpoint {
        try await writing { connection in
            try await touchService(connection, name: bp.serviceName, now: bp.createdAt)
            try await connection.query(Self.saveQuery(bp, insert: true), logger: logger)
            return (bp, [StoreChange(.breakpointCreated, id: bp.id, service: bp.serviceName)])
        }
    }

    @discardableResult
    public func update(_ bp: Breakpoint) async throws -> Breakpoint {
        try await writing { connection in
            try await connection.query(Self.saveQuery(bp, insert: false), logger: logger)
            return (bp, [StoreChange(.breakpointUpdated, id: bp.id, service: bp.serviceName)])
        }
    }

    public func deleteBreakpoint(id: String) async throws -> Breakpoint? {
        try await writing { connection in
            guard let deleted = try await rows("DELETE FROM breakpoints WHERE id = \(id) RETURNING *", on: connection).first
                .map(Breakpoint.init(postgres:)) else { return (nil, []) }
            return (deleted, [StoreChange(.breakpointDeleted, id: deleted.id, service: deleted.serviceName)])
        }
    }

    public func autoRegister(
        service: String, filePath: String, lineNumber: Int, functionName: String, label: String,
        defaults: AutoRegisterDefaults, now: Double
    ) async throws -> (breakpoint: Breakpoint, created: Bool, changed: Bool) {
        try await writing { connection in
            try await touchService(connection, name: service, now: now)
            // Serialises registrations of one service across instances, so a
            // site registered at once through two instances gets one row.
            try await connection.query("SELECT 1 FROM services WHERE name = \(service) FOR UPDATE", logger: logger)
            let existing = label.isEmpty
                ? try await rows("""
                    SELECT * FROM breakpoints WHERE service_name = \(service) AND function_name = \(functionName) AND label = ''
                    AND file_path = \(filePath) AND line_number = \(lineNumber) LIMIT 1
                    """, on: connection)
                : try await rows("""
                    SELECT * FROM breakpoints WHERE service_name = \(service) AND function_name = \(functionName) AND label = \(label) LIMIT 1
                    """, on: connection)
            if var existing = try existing.first.map(Breakpoint.init(postgres:)) {
                guard !label.isEmpty, existing.filePath != filePath || existing.lineNumber != lineNumber else {
                    return ((existing, false, false), [])
                }
                existing.filePath = filePath
                existing.lineNumber = lineNumber
                existing.updatedAt = now
                try await connection.query(Self.saveQuery(existing, insert: false), logger: logger)
                return ((existing, false, true), [StoreChange(.breakpointUpdated, id: existing.id, service: service)])
            }
            let bp = Breakpoint.autoRegistered(service: service, filePath: filePath, lineNumber: lineNumber,
                                               functionName: functionName, label: label, defaults: defaults, now: now)
            try await connection.query(Self.saveQuery(bp, insert: true), logger: logger)
            return ((bp, true, true), [StoreChange(.breakpointCreated, id: bp.id, service: service)])
        }
    }

    /// Only one instance sweeps at a time (advisory lock); the others
    /// return nothing and leave it to that one.
    public func disableExpiredBreakpoints(now: Double) async throws -> [Breakpoint] {
        try await writing { connection in
            let got = try await rows("SELECT pg_try_advisory_xact_lock(\(AdvisoryLock.expirySweep.rawValue)) AS got", on: connection)
                .first?["got"].decode(Bool.self) ?? false
            guard got else { return ([], []) }
            let candidates = try await rows("""
                SELECT * FROM breakpoints WHERE enabled AND (expire_at IS NOT NULL OR idle_timeout_hours IS NOT NULL) FOR UPDATE
                """, on: connection).map(Breakpoint.init(postgres:))
            var changed: [Breakpoint] = []
            for var bp in candidates where bp.isExpired(at: now) {
                bp.enabled = false
                bp.updatedAt = now
                try await connection.query("UPDATE breakpoints SET enabled = FALSE, updated_at = \(now) WHERE id = \(bp.id)", logger: logger)
                changed.append(bp)
            }
            return (changed, changed.map { StoreChange(.breakpointUpdated, id: $0.id, service: $0.serviceName) })
        }
    }

    static func saveQuery(_ bp: Breakpoint, insert: Bool) -> PostgresQuery {
        let expressions = JSONValue.array(bp.captureExpressions.map { .string($0) }).jsonText
        let metadata = JSONValue.object(bp.metadata).jsonText
        if insert {
            return """
                INSERT INTO breakpoints (service_name, file_path, line_number, function_name, label, condition,
                condition_eval, max_captures, capture_count, capture_frequency, expire_at, enabled, mode, stack_depth,
                max_depth, max_payload_bytes, capture_expressions, idle_timeout_hours, metadata, auto_registered,
                created_at, updated_at, last_capture_at, dropped_count, id)
                VALUES (\(bp.serviceName), \(bp.filePath), \(bp.lineNumber), \(bp.functionName), \(bp.label), \(bp.condition),
                \(bp.conditionEval.rawValue), \(bp.maxCaptures), \(bp.captureCount), \(bp.captureFrequency), \(bp.expireAt),
                \(bp.enabled), \(bp.mode.rawValue), \(bp.stackDepth), \(bp.maxDepth), \(bp.maxPayloadBytes), \(expressions),
                \(bp.idleTimeoutHours), \(metadata), \(bp.autoRegistered), \(bp.createdAt), \(bp.updatedAt), \(bp.lastCaptureAt),
                \(bp.droppedCount), \(bp.id))
                """
        }
        return """
            UPDATE breakpoints SET service_name = \(bp.serviceName), file_path = \(bp.filePath), line_number = \(bp.lineNumber),
            function_name = \(bp.functionName), label = \(bp.label), condition = \(bp.condition),
            condition_eval = \(bp.conditionEval.rawValue), max_captures = \(bp.maxCaptures), capture_count = \(bp.captureCount),
            capture_frequency = \(bp.captureFrequency), expire_at = \(bp.expireAt), enabled = \(bp.enabled), mode = \(bp.mode.rawValue),
            stack_depth = \(bp.stackDepth), max_depth = \(bp.maxDepth), max_payload_bytes = \(bp.maxPayloadBytes),
            capture_expressions = \(expressions), idle_timeout_hours = \(bp.idleTimeoutHours), metadata = \(metadata),
            auto_registered = \(bp.autoRegistered), created_at = \(bp.createdAt), updated_at = \(bp.updatedAt),
            last_capture_at = \(bp.lastCaptureAt), dropped_count = \(bp.droppedCount) WHERE id = \(bp.id)
            """
    }
}

extension Breakpoint {
    init(postgres row: PostgresRandomAccessRow) throws {
        self.init(id: try row["id"].decode(String.self), serviceName: try row["service_name"].decode(String.self),
                  now: try row["created_at"].decode(Double.self))
        filePath = try row["file_path"].decode(String.self)
        lineNumber = try row["line_number"].decode(Int.self)
        functionName = try row["function_name"].decode(String.self)
        label = try row["label"].decode(String.self)
        condition = try row["condition"].decode(String?.self)
        conditionEval = ConditionEval(rawValue: try row["condition_eval"].decode(String.self)) ?? .serverOnly
        maxCaptures = try row["max_captures"].decode(Int.self)
        captureCount = try row["capture_count"].decode(Int.self)
        captureFrequency = try row["capture_frequency"].decode(Int.self)
        expireAt = try row["expire_at"].decode(Double?.self)
        enabled = try row["enabled"].decode(Bool.self)
        mode = Mode(rawValue: try row["mode"].decode(String.self)) ?? .snapshot
        stackDepth = try row["stack_depth"].decode(Int?.self)
        maxDepth = try row["max_depth"].decode(Int?.self)
        maxPayloadBytes = try row["max_payload_bytes"].decode(Int?.self)
        captureExpressions = Self.storedStrings(try row["capture_expressions"].decode(String.self))
        idleTimeoutHours = try row["idle_timeout_hours"].decode(Int?.self)
        metadata = JSONValue.parseStored(try row["metadata"].decode(String.self)).objectValue ?? [:]
        autoRegistered = try row["auto_registered"].decode(Bool.self)
        updatedAt = try row["updated_at"].decode(Double.self)
        lastCaptureAt = try row["last_capture_at"].decode(Double?.self)
        droppedCount = try row["dropped_count"].decode(Int.self)
    }
}
