import Hummingbird
import TraceKitCore

/// `/api/breakpoints`: create, list, get, update (PATCH), delete. Every change
/// reaches the service's SSE streams through the store's change feed; the
/// response is sent once this instance's streams have it.
struct BreakpointRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.get("breakpoints", use: list)
        group.post("breakpoints", use: create)
        group.get("breakpoints/:id", use: get)
        group.patch("breakpoints/:id", use: update)
        group.delete("breakpoints/:id", use: delete)
    }

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let service = request.uri.queryParameters.get("service")
        let breakpoints = try await state.store.breakpoints(service: service)
        return JSONResponse.make(JSONValue.object(["breakpoints": .array(breakpoints.map(\.json))]))
    }

    @Sendable func create(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await request.jsonBody(limit: state.config.maxBodyBytes)
        let now = Timestamps.now()
        var bp = Breakpoint(id: StoreIDs.newID(), serviceName: "", now: now)
        try BreakpointInput.apply(body, to: &bp, creating: true)
        try await state.store.insert(bp)
        await state.store.changes.settled()
        return JSONResponse.make(bp.json, status: .created)
    }

    @Sendable func get(_ request: Request, context: ServerContext) async throws -> Response {
        JSONResponse.make(try await existing(context).json)
    }

    @Sendable func update(_ request: Request, context: ServerContext) async throws -> Response {
        var bp = try await existing(context)
        let body = try await request.jsonBody(limit: state.config.maxBodyBytes)
        try BreakpointInput.apply(body, to: &bp, creating: false)
        bp.updatedAt = Timestamps.now()
        try await state.store.update(bp)
        await state.store.changes.settled()
        return JSONResponse.make(bp.json)
    }

    @Sendable func delete(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        guard let bp = try await state.store.deleteBreakpoint(id: id) else { throw APIError.notFound("no breakpoint '\(id)'") }
        await state.store.changes.settled()
        return Response(status: .noContent)
    }

    private func existing(_ context: ServerContext) async throws -> Breakpoint {
        let id = try context.parameters.decoded("id")
        guard let bp = try await state.store.breakpoint(id: id) else { throw APIError.notFound("no breakpoint '\(id)'") }
        return bp
    }
}
