import TraceKitCore

/// `tracekit-server export` / `import`: every table as JSON lines, to move a
/// database between backends (SQLite → PostgreSQL). The first line names the
/// format; each further line is one row, `{"table": ..., "row": {column: value}}`.
/// Sequence numbers are not exported: rows are written in their order and
/// imported in that order, so snapshots keep their newest-first listing.
public enum StoreDump {
    public static let header = #"{"format":"tracekit-server-dump","version":1}"#

    /// Column kinds: how a JSON value is read back.
    public enum Kind: Sendable { case text, integer, real, boolean }

    public struct Table: Sendable {
        public var name: String
        public var columns: [(name: String, kind: Kind)]
        /// The export order (constant SQL, not input).
        public var orderBy: String
        /// A comma-separated column list, for SELECT/INSERT.
        var columnList: String { columns.map(\.name).joined(separator: ", ") }
    }

    /// A stored value; nil is SQL NULL.
    public enum Value: Sendable, Equatable {
        case text(String), integer(Int64), real(Double), boolean(Bool)
    }

    /// Parents first, so that an import never references a missing row.
    public static let tables: [Table] = [
        Table(name: "services", columns: [("name", .text), ("kill_switch", .boolean), ("created_at", .real), ("last_seen_at", .real)],
              orderBy: "name"),
        Table(name: "breakpoints", columns: [
            ("id", .text), ("service_name", .text), ("file_path", .text), ("line_number", .integer), ("function_name", .text),
            ("label", .text), ("condition", .text), ("condition_eval", .text), ("max_captures", .integer),
            ("capture_count", .integer), ("capture_frequency", .integer), ("expire_at", .real), ("enabled", .boolean),
            ("mode", .text), ("stack_depth", .integer), ("max_depth", .integer), ("max_payload_bytes", .integer),
            ("capture_expressions", .text), ("idle_timeout_hours", .integer), ("metadata", .text), ("auto_registered", .boolean),
            ("created_at", .real), ("updated_at", .real), ("last_capture_at", .real), ("dropped_count", .integer),
        ], orderBy: "created_at, id"),
        Table(name: "api_keys", columns: [
            ("id", .text), ("name", .text), ("key_hash", .text), ("prefix", .text), ("role", .text), ("services", .text),
            ("created_at", .real), ("revoked_at", .real),
        ], orderBy: "created_at, id"),
        Table(name: "dashboard_sessions", columns: [("token_hash", .text), ("key_id", .text), ("created_at", .real)],
              orderBy: "created_at, token_hash"),
        Table(name: "snapshots", columns: [
            ("id", .text), ("breakpoint_id", .text), ("service_name", .text), ("captured_at", .real), ("received_at", .real),
            ("document", .text),
        ], orderBy: "seq"),
        Table(name: "sdk_events", columns: [("service_name", .text), ("type", .text), ("document", .text), ("received_at", .real)],
              orderBy: "seq"),
        Table(name: "code_locations", columns: [
            ("service_name", .text), ("file_path", .text), ("namespace", .text), ("function_name", .text), ("line_number", .integer),
            ("first_seen_at", .real), ("last_seen_at", .real), ("hit_count", .integer),
        ], orderBy: "service_name, file_path, namespace, function_name, line_number"),
    ]

    /// Writes the whole store, one line at a time, to `write`. Returns the
    /// number of rows per table.
    @discardableResult
    public static func export(_ store: any ServerStore, write: (String) throws -> Void) async throws -> [String: Int] {
        try write(header)
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table.name] = try await store.exportRows(of: table) { values in
                try write(line(table: table, values: values))
            }
        }
        return counts
    }

    /// Reads a dump (`lines`, header first) into an empty, migrated store, in
    /// transactions of `batchSize` rows. Returns the number of rows per table.
    @discardableResult
    public static func `import`(
        into store: any ServerStore, lines: some Sequence<String>, batchSize: Int = 500
    ) async throws -> [String: Int] {
        guard try await store.keyCount() == 0, try await store.breakpoints(service: nil).isEmpty,
              try await store.snapshotCount() == 0, try await store.services().isEmpty else {
            throw DumpError("the target database is not empty; import only into a new database")
        }
        var sawHeader = false
        var batch: (table: Table, rows: [[Value?]])?
        var counts: [String: Int] = [:]
        func flush() async throws {
            guard let pending = batch, !pending.rows.isEmpty else { return }
            try await store.importRows(pending.rows, into: pending.table)
            counts[pending.table.name, default: 0] += pending.rows.count
            batch = nil
        }
        var number = 0
        for text in lines {
            number += 1
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            guard sawHeader else {
                guard text == header else { throw DumpError("line 1 is not a tracekit-server dump header") }
                sawHeader = true
                continue
            }
            let (table, values) = try parse(text, line: number)
            if batch?.table.name != table.name || (batch?.rows.count ?? 0) >= batchSize {
                try await flush()
                batch = (table, [])
            }
            batch?.rows.append(values)
        }
        try await flush()
        guard sawHeader else { throw DumpError("the dump is empty") }
        return counts
    }

    /// One row as a JSON line. Written by hand: numbers keep every digit
    /// (Swift's shortest round-trip form) and column order is the table's.
    static func line(table: Table, values: [Value?]) -> String {
        var fields: [String] = []
        for (column, value) in zip(table.columns, values) {
            let json = switch value {
            case nil: "null"
            case .text(let s)?: quoted(s)
            case .integer(let i)?: String(i)
            case .real(let d)?: d.isFinite ? "\(d)" : "null"
            case .boolean(let b)?: b ? "true" : "false"
            }
            fields.append("\(quoted(column.name)):\(json)")
        }
        return #"{"table":"# + quoted(table.name) + #","row":{"# + fields.joined(separator: ",") + "}}"
    }

    static func quoted(_ text: String) -> String { JSONValue.string(text).jsonText }

    static func parse(_ text: String, line: Int) throws -> (Table, [Value?]) {
        guard case .object(let object)? = try? JSONValue.parse(text), case .string(let name)? = object["table"],
              case .object(let row)? = object["row"] else {
            throw DumpError("line \(line): not a dump row")
        }
        guard let table = tables.first(where: { $0.name == name }) else { throw DumpError("line \(line): unknown table '\(name)'") }
        let values = try table.columns.map { column -> Value? in
            let stored = row[column.name] ?? .null
            if stored == .null { return nil }
            let value: Value? = switch (column.kind, stored) {
            case (.text, .string(let s)): .text(s)
            case (.integer, .int(let i)): .integer(i)
            case (.real, .double(let d)): .real(d)
            case (.real, .int(let i)): .real(Double(i))
            case (.boolean, .bool(let b)): .boolean(b)
            default: nil
            }
            guard let value else { throw DumpError("line \(line): \(name).\(column.name) has the wrong type") }
            return value
        }
        return (table, values)
    }
}

public struct DumpError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
