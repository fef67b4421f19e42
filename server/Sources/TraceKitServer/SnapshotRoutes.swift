import Hummingbird
import TraceKitCore

/// `/api/snapshots`: newest first, filtered by service, breakpoint and
/// captured_at range, paged with `cursor` / `next_cursor`; deleted one by one
/// or all of a breakpoint or a service.
struct SnapshotRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.get("snapshots", use: list)
        group.get("snapshots/:id", use: get)
        group.delete("snapshots", use: deleteMatching)
        group.delete("snapshots/:id", use: delete)
    }

    @Sendable func delete(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        guard try await state.store.deleteSnapshot(id: id) else { throw APIError.notFound("no snapshot '\(id)'") }
        return Response(status: .noContent)
    }

    /// `DELETE /api/snapshots?breakpoint_id=…` or `?service=…`: one filter is
    /// required, so a bare DELETE cannot empty the store by accident.
    @Sendable func deleteMatching(_ request: Request, context: ServerContext) async throws -> Response {
        let q = request.uri.queryParameters
        let service = q.get("service")
        let breakpointID = q.get("breakpoint_id")
        guard service != nil || breakpointID != nil else {
            throw APIError.badRequest("give 'service' or 'breakpoint_id' (or both) to choose the snapshots to delete")
        }
        let deleted = try await state.store.deleteSnapshots(service: service, breakpointID: breakpointID)
        return JSONResponse.make(JSONValue.object(["deleted": .int(Int64(deleted))]))
    }

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let q = request.uri.queryParameters
        var query = SnapshotQuery()
        query.service = q.get("service")
        query.breakpointID = q.get("breakpoint_id")
        query.since = try timestamp(q.get("since"), name: "since")
        query.until = try timestamp(q.get("until"), name: "until")
        if let text = q.get("limit") {
            guard Self.isDecimal(text), let limit = Int(text), (1...500).contains(limit) else {
                throw APIError.badRequest("query parameter 'limit' must be an integer from 1 to 500")
            }
            query.limit = limit
        }
        if let text = q.get("cursor") {
            guard Self.isDecimal(text), text.first != "0", let cursor = Int64(text) else { throw APIError.badRequest("query parameter 'cursor' is not a valid cursor") }
            query.before = cursor
        }
        let page = try await state.store.snapshots(query)
        return JSONResponse.make(JSONValue.object([
            "snapshots": .array(page.snapshots),
            "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null,
        ]))
    }

    @Sendable func get(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        guard let snapshot = try await state.store.snapshot(id: id) else { throw APIError.notFound("no snapshot '\(id)'") }
        return JSONResponse.make(snapshot)
    }

    /// Plain digits only ("+5", " 5" and "5.0" are not accepted), at most 18.
    static func isDecimal(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 18 && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    private func timestamp(_ text: String?, name: String) throws(APIError) -> Double? {
        guard let text else { return nil }
        guard let value = Timestamps.parse(text) else {
            throw APIError.badRequest("query parameter '\(name)' must be an RFC 3339 timestamp")
        }
        return value
    }
}
