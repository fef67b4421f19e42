import GRDB

/// Rows out and in for `StoreDump` (table and column names are constants).
extension SQLiteStore {
    /// Read a page at a time (a read transaction per page), so the caller's
    /// writer never runs inside GRDB's reader.
    public func exportRows(of table: StoreDump.Table, _ row: ([StoreDump.Value?]) throws -> Void) async throws -> Int {
        let pageSize = 1_000
        var count = 0
        while true {
            let offset = count
            let page = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT \(table.columnList) FROM \(table.name) ORDER BY \(table.orderBy) LIMIT ? OFFSET ?",
                                 arguments: [pageSize, offset])
                    .map { stored in table.columns.indices.map { Self.value(stored[$0], kind: table.columns[$0].kind) } }
            }
            for values in page { try row(values) }
            count += page.count
            if page.count < pageSize { return count }
        }
    }

    public func importRows(_ rows: [[StoreDump.Value?]], into table: StoreDump.Table) async throws {
        let placeholders = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
        try await pool.write { db in
            let insert = try db.makeStatement(sql: "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(placeholders))")
            for values in rows {
                try insert.execute(arguments: StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
                    switch value {
                    case nil: nil
                    case .text(let s)?: s
                    case .integer(let i)?: i
                    case .real(let d)?: d
                    case .boolean(let b)?: b
                    }
                }))
            }
        }
    }

    private static func value(_ stored: DatabaseValue, kind: StoreDump.Kind) -> StoreDump.Value? {
        if stored.isNull { return nil }
        return switch kind {
        case .text: String.fromDatabaseValue(stored).map(StoreDump.Value.text)
        case .integer: Int64.fromDatabaseValue(stored).map(StoreDump.Value.integer)
        case .real: Double.fromDatabaseValue(stored).map(StoreDump.Value.real)
        case .boolean: Bool.fromDatabaseValue(stored).map(StoreDump.Value.boolean)
        }
    }
}
