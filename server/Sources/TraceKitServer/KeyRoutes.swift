import Hummingbird
import TraceKitCore

/// `/api/keys`: create (the secret is in the response, once), list, revoke.
struct KeyRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.get("keys", use: list)
        group.post("keys", use: create)
        group.delete("keys/:id", use: revoke)
    }

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let keys = try await state.store.keys()
        return JSONResponse.make(JSONValue.object(["keys": .array(keys.map(\.json))]))
    }

    /// `{"name": "...", "role": "sdk"|"admin", "services": ["..."]}`; role
    /// defaults to sdk, services to all.
    @Sendable func create(_ request: Request, context: ServerContext) async throws -> Response {
        let f = try FieldReader(try await request.jsonBody(limit: state.config.maxBodyBytes))
        let name = try f.requiredString("name", maxLength: 256)
        let roleText = try f.string("role") ?? "sdk"
        guard let role = APIKeyRecord.Role(rawValue: roleText) else { throw APIError.badRequest("field 'role' must be \"sdk\" or \"admin\"") }
        let services = try f.stringArray("services", maxCount: 1000, nullable: true)
        let (record, secret) = try await state.store.createKey(name: name, role: role, services: services, now: Timestamps.now())
        state.logger.notice("API key created", metadata: ["key_id": "\(record.id)", "role": "\(role.rawValue)"])
        guard case .object(var body) = record.json else { return JSONResponse.make(record.json, status: .created) }
        body["key"] = .string(secret)
        return JSONResponse.make(JSONValue.object(body), status: .created)
    }

    @Sendable func revoke(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        guard let record = try await state.store.revokeKey(id: id, now: Timestamps.now()) else {
            throw APIError.notFound("no API key '\(id)'")
        }
        // The change feed closes the key's streams and ends its dashboards, here and on every other instance.
        await state.store.changes.settled()
        state.logger.notice("API key revoked", metadata: ["key_id": "\(record.id)"])
        return JSONResponse.make(record.json)
    }
}
