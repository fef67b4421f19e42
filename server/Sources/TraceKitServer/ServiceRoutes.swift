import Hummingbird
import TraceKitCore

/// `/api/services`: known services with their connected SDK count and kill switch.
struct ServiceRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.get("services", use: list)
        group.post("services/:name/kill-switch", use: killSwitch)
    }

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let connected = try await state.fleet.counts(state: state, now: Timestamps.now())
        let services = try await state.store.services().map { service in
            JSONValue.object([
                "name": .string(service.name),
                "kill_switch": .bool(service.killSwitch),
                "connected_sdks": .int(Int64(connected[service.name] ?? 0)),
                "created_at": .string(Timestamps.format(service.createdAt)),
                "last_seen_at": .string(Timestamps.format(service.lastSeenAt)),
            ])
        }
        return JSONResponse.make(JSONValue.object(["services": .array(services)]))
    }

    /// `{"enabled": bool}`; pushed at once to the service's SSE streams (through the change feed).
    @Sendable func killSwitch(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.parameters.decoded("name")
        let f = try FieldReader(try await request.jsonBody(limit: state.config.maxBodyBytes))
        guard let enabled = try f.bool("enabled") else { throw APIError.badRequest("field 'enabled' (boolean) is required") }
        guard let service = try await state.store.setKillSwitch(name, enabled: enabled) else {
            throw APIError.notFound("unknown service '\(name)'")
        }
        await state.store.changes.settled()
        state.logger.notice("kill switch changed", metadata: ["service": "\(name)", "enabled": "\(enabled)"])
        return JSONResponse.make(JSONValue.object(["name": .string(service.name), "kill_switch": .bool(service.killSwitch)]))
    }
}
