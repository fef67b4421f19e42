import Hummingbird
import TraceKitCore

/// `/api/code`: the code index as a tree per service, for "Browse Code".
struct CodeIndexRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.get("code", use: list)
        group.get("code/:service", use: tree)
    }

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let services = try await state.store.codeIndexSummary().map { summary in
            JSONValue.object([
                "service_name": .string(summary.service), "files": .int(Int64(summary.files)),
                "locations": .int(Int64(summary.locations)), "hit_count": .int(Int64(summary.hits)),
            ])
        }
        return JSONResponse.make(JSONValue.object(["services": .array(services)]))
    }

    @Sendable func tree(_ request: Request, context: ServerContext) async throws -> Response {
        let service = try context.parameters.decoded("service")
        let rows = try await state.store.codeLocations(service: service)
        let breakpoints = LineBreakpointIndex(try await state.store.breakpoints(service: service))
        return JSONResponse.make(JSONValue.object(["service_name": .string(service),
                                                 "files": .array(CodeIndexTree.files(rows, breakpoints: breakpoints))]))
    }
}

/// Folds ordered code-index rows into file → functions → lines, summing hit
/// counts and taking the earliest first-seen and latest last-seen upwards;
/// each line lists the `breakpoint_ids` an SDK there would match.
enum CodeIndexTree {
    struct Stats {
        var first = Double.infinity
        var last = 0.0
        var hits = 0

        mutating func add(_ row: CodeIndexRow) {
            first = min(first, row.firstSeenAt)
            last = max(last, row.lastSeenAt)
            hits = hits &+ row.hitCount
        }

        func fields() -> [String: JSONValue] {
            ["first_seen_at": .string(Timestamps.format(first.isFinite ? first : 0)),
             "last_seen_at": .string(Timestamps.format(last)), "hit_count": .int(Int64(hits))]
        }
    }

    static func files(_ rows: [CodeIndexRow], breakpoints: LineBreakpointIndex) -> [JSONValue] {
        // Rows arrive ordered by file, namespace, function, line: group by runs.
        var files: [JSONValue] = []
        var start = 0
        while start < rows.count {
            let path = rows[start].location.filePath
            var end = start
            while end < rows.count && rows[end].location.filePath == path { end += 1 }
            files.append(file(path: path, rows: rows[start..<end], breakpoints: breakpoints))
            start = end
        }
        return files
    }

    static func file(path: String, rows: ArraySlice<CodeIndexRow>, breakpoints: LineBreakpointIndex) -> JSONValue {
        var stats = Stats()
        var functions: [JSONValue] = []
        var start = rows.startIndex
        while start < rows.endIndex {
            let key = (rows[start].location.namespace, rows[start].location.functionName)
            var end = start
            var functionStats = Stats()
            var lines: [JSONValue] = []
            while end < rows.endIndex && (rows[end].location.namespace, rows[end].location.functionName) == key {
                let row = rows[end]
                functionStats.add(row)
                stats.add(row)
                if row.location.lineNumber > 0 {
                    var line = Stats()
                    line.add(row)
                    var fields = line.fields()
                    fields["line_number"] = .int(Int64(row.location.lineNumber))
                    fields["breakpoint_ids"] = .array(breakpoints.ids(path: path, line: row.location.lineNumber).map { .string($0) })
                    lines.append(.object(fields))
                }
                end += 1
            }
            var fields = functionStats.fields()
            fields["function_name"] = .string(key.1)
            fields["namespace"] = .string(key.0)
            fields["lines"] = .array(lines)
            functions.append(.object(fields))
            start = end
        }
        var fields = stats.fields()
        fields["file_path"] = .string(path)
        fields["functions"] = .array(functions)
        return .object(fields)
    }
}
