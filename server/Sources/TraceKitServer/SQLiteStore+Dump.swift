import GRDB

/// Rows out and in for `StoreDump` (table and column names are constants).
extension SQLiteStore {
    /// Read a page at a time (a read transaction per page), so the caller's
    /// writer never runs inside GRDB's reader. Keyset paging: each page
    /// starts after the previous page's last `orderBy` key (unique in every
    /// table), so a page costs the same however far into the table it is.
    public func exportRows(of table: StoreDump.Table, _ row: ([StoreDump.Value?]) throws -> Void) async throws -> Int {
        try await exportRows(of: table, pageSize: 1_000, row)
    }

    func exportRows(of table: StoreDump.Table, pageSize: Int, _ row: ([StoreDump.Value?]) throws -> Void) async throws -> Int {
        let key = table.orderBy  // constant SQL, not input
        let keyWidth = key.split(separator: ",").count
        let after = "(\(key)) > (\(Array(repeating: "?", count: keyWidth).joined(separator: ", ")))"
        var last: [DatabaseValue]?  // the previous page's last key
        var count = 0
        while true {
            let sql = "SELECT \(table.columnList), \(key) FROM \(table.name) \(last == nil ? "" : "WHERE \(after)") ORDER BY \(key) LIMIT ?"
            let page = try await pool.read { [last] db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments((last ?? []) + [pageSize.databaseValue]))
            }
            for stored in page {
                try row(table.columns.indices.map { Self.value(stored[$0], kind: table.columns[$0].kind) })
            }
            count += page.count
            guard page.count == pageSize, let end = page.last else { return count }
            last = (table.columns.count..<table.columns.count + keyWidth).map { end[$0] }
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
