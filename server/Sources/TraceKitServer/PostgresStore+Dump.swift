import PostgresNIO

/// Rows out and in for `StoreDump` (table and column names are constants).
extension PostgresStore {
    public func exportRows(of table: StoreDump.Table, _ row: ([StoreDump.Value?]) throws -> Void) async throws -> Int {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT \(table.columnList) FROM \(table.name) ORDER BY \(table.orderBy)"), logger: logger)
        var count = 0
        for try await stored in rows {
            let cells = Array(stored)
            try row(try zip(cells, table.columns).map { cell, column in try Self.value(cell, kind: column.kind) })
            count += 1
        }
        return count
    }

    public func importRows(_ rows: [[StoreDump.Value?]], into table: StoreDump.Table) async throws {
        let placeholders = (1...table.columns.count).map { "$\($0)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(placeholders))"
        try await transaction { connection in
            for values in rows {
                var binds = PostgresBindings(capacity: values.count)
                for (value, column) in zip(values, table.columns) {
                    switch value {
                    case nil: Self.appendNull(&binds, kind: column.kind)
                    case .text(let s)?: binds.append(s)
                    case .integer(let i)?: binds.append(i)
                    case .real(let d)?: binds.append(d)
                    case .boolean(let b)?: binds.append(b)
                    }
                }
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
        }
    }

    /// A typed NULL, so PostgreSQL need not infer the parameter's type.
    private static func appendNull(_ binds: inout PostgresBindings, kind: StoreDump.Kind) {
        switch kind {
        case .text: binds.append(String?.none)
        case .integer: binds.append(Int64?.none)
        case .real: binds.append(Double?.none)
        case .boolean: binds.append(Bool?.none)
        }
    }

    private static func value(_ cell: PostgresCell, kind: StoreDump.Kind) throws -> StoreDump.Value? {
        switch kind {
        case .text: try cell.decode(String?.self).map(StoreDump.Value.text)
        case .integer: try cell.decode(Int64?.self).map(StoreDump.Value.integer)
        case .real: try cell.decode(Double?.self).map(StoreDump.Value.real)
        case .boolean: try cell.decode(Bool?.self).map(StoreDump.Value.boolean)
        }
    }
}
