import Hummingbird
import NIOCore
import ServiceLifecycle
import TraceKitCore

/// The routes the official SDKs call (docs/PROTOCOL.md), under `/sdk/snapshots`.
struct SDKRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.get("active/:service", use: active)
        group.post("active/:service", use: active)
        group.post("auto-register", use: autoRegister)
        group.post("capture", use: capture)
        group.get("stream/:service", use: stream)
    }

    /// Poll: the service's active breakpoints, kill switch and SSE endpoint.
    /// A POST may carry `{"events": [...]}` (SDK telemetry), which is stored.
    @Sendable func active(_ request: Request, context: ServerContext) async throws -> Response {
        let service = try Self.serviceName(context)
        _ = try context.requireKey(for: service)
        let now = Timestamps.now()
        if request.method == .post {
            if let body = try await request.optionalJSONBody(limit: state.config.maxBodyBytes) {
                let fields = try FieldReader(body)
                guard case .array(let events)? = fields.object["events"] ?? .array([]) else {
                    throw APIError.badRequest("field 'events' must be an array")
                }
                guard events.count <= 1000 else { throw APIError.badRequest("at most 1000 events per request") }
                guard events.allSatisfy({ $0.objectValue != nil }) else { throw APIError.badRequest("each event must be an object") }
                try await state.store.recordEvents(service: service, events: events, now: now)
            }
        }
        let killSwitch = try await state.store.touchService(service, now: now)
        let breakpoints = killSwitch ? [] : try await state.store.activeBreakpoints(service: service, now: now)
        return JSONResponse.make(JSONValue.object([
            "breakpoints": .array(breakpoints.map(\.json)),
            "kill_switch": .bool(killSwitch),
            "sse_endpoint": .string(ServerState.ssePath(service: service)),
        ]))
    }

    /// Idempotent registration of a call site; 201 when created, 200 with
    /// the existing breakpoint (file and line updated if the code moved).
    @Sendable func autoRegister(_ request: Request, context: ServerContext) async throws -> Response {
        let f = try FieldReader(try await request.jsonBody(limit: state.config.maxBodyBytes))
        let service = try f.requiredString("service_name", maxLength: 256)
        _ = try context.requireKey(for: service)
        let filePath = try f.string("file_path", maxLength: 1024, nullable: true) ?? ""
        let lineNumber = try f.int("line_number", nullable: true) ?? 0
        let functionName = try f.string("function_name", maxLength: 512, nullable: true) ?? ""
        let label = try f.string("label", maxLength: 512, nullable: true) ?? ""
        guard !functionName.isEmpty || !filePath.isEmpty else {
            throw APIError.badRequest("auto-register needs function_name (and label) or file_path and line_number")
        }
        let (bp, created, _) = try await state.store.autoRegister(
            service: service, filePath: filePath, lineNumber: lineNumber, functionName: functionName, label: label,
            defaults: state.config.autoRegister, now: Timestamps.now())
        await state.store.changes.settled()
        return JSONResponse.make(bp.json, status: created ? .created : .ok)
    }

    /// One snapshot. Stored when the breakpoint accepts it (201); otherwise
    /// counted and dropped with 200 `{"accepted": false, "reason": ...}` so
    /// SDKs racing a disable do not log errors.
    @Sendable func capture(_ request: Request, context: ServerContext) async throws -> Response {
        // Resumed on the connection's loop when the writer answers (see `EventLoopTaskExecutor`).
        try await withTaskExecutorPreference(EventLoopTaskExecutor.of(context.channel.eventLoop)) {
            try await storeCapture(request, context: context)
        }
    }

    private func storeCapture(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await request.jsonBodyWithText(limit: state.config.maxBodyBytes)
        let capture = try CaptureInput(body.value, text: body.text)
        _ = try context.requireKey(for: capture.serviceName)
        let outcome = try await state.store.ingestCapture(
            service: capture.serviceName, breakpointID: capture.breakpointID, body: capture.bodyText,
            capturedAt: capture.capturedAt, now: Timestamps.now(),
            conditionHolds: { [variables = capture.variables, conditions = state.conditions] bp in
                Self.serverConditionHolds(bp, variables: variables, conditions: conditions)
            })
        switch outcome {
        case .stored(let snapshotID, _):
            return JSONResponse.make(JSONValue.object(["accepted": .bool(true), "id": .string(snapshotID)]), status: .created)
        case .dropped(let reason, _):
            return dropped(reason)
        case .unknownBreakpoint:
            throw APIError.notFound("no breakpoint '\(capture.breakpointID)' for service '\(capture.serviceName)'")
        }
    }

    /// Server-only conditions are decided here, on receipt. An evaluation
    /// error keeps the capture (as the SDKs do for their own conditions).
    static func serverConditionHolds(_ bp: Breakpoint, variables: JSONValue, conditions: ConditionCache) -> Bool {
        guard bp.conditionEval == .serverOnly, let source = bp.condition, let compiled = conditions.compiled(source)
        else { return true }
        return compiled.holds(variables) ?? true
    }

    /// The `{service}` path parameter, bounded like `service_name` in bodies.
    static func serviceName(_ context: ServerContext) throws(APIError) -> String {
        let service = try context.parameters.decoded("service")
        guard service.utf8.count <= 256 else { throw APIError.badRequest("service name is longer than 256 bytes") }
        return service
    }

    private func dropped(_ reason: String) -> Response {
        JSONResponse.make(JSONValue.object(["accepted": .bool(false), "reason": .string(reason)]))
    }

    /// The SSE stream of one service: `init`, then changes, heartbeats and
    /// `sdk_count` until the client leaves or the server shuts down.
    @Sendable func stream(_ request: Request, context: ServerContext) async throws -> Response {
        let service = try Self.serviceName(context)
        let key = try context.requireKey(for: service)
        let channel = context.channel
        let hub = state.hub
        let subscription = try hub.subscribe(service: service, keyID: key.id, hangUp: { channel.close(promise: nil) })
        // A client that goes away frees its stream at once, not at the next write.
        channel.closeFuture.whenComplete { _ in hub.unsubscribe(service: service, id: subscription.id) }
        do {
            // Read the state after subscribing: a change committed meanwhile
            // is then both in `init` and queued, never lost.
            let (breakpoints, killSwitch) = try await state.initialState(service: service)
            let first = hub.initialFrame(breakpoints: breakpoints, killSwitch: killSwitch)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: .init { writer in
                    defer { hub.unsubscribe(service: service, id: subscription.id) }
                    try await writer.write(first)
                    try await withGracefulShutdownHandler {
                        for await frame in subscription.stream { try await writer.write(frame) }
                    } onGracefulShutdown: {
                        hub.unsubscribe(service: service, id: subscription.id)
                    }
                    try await writer.finish(nil)
                })
        } catch {
            hub.unsubscribe(service: service, id: subscription.id)
            throw error
        }
    }
}
