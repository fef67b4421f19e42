import Hummingbird
import TraceKitCore

/// `POST /v1/metrics`: the official SDKs export OTLP/HTTP metrics to the
/// same base URL as their snapshot client. The server does not store them;
/// it checks the key and the size limit and acknowledges, so SDKs pointed
/// here do not log errors. (`/v1/traces` is `TraceIngestRoutes`.)
struct TelemetrySinkRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        // `traces` is indexed by TraceIngestRoutes.
        group.post("metrics", use: accept)
    }

    @Sendable func accept(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try await request.body.collect(upTo: state.config.maxBodyBytes)
        // An empty OTLP export response: `{}` in JSON; zero bytes in protobuf.
        if request.headers[.contentType]?.hasPrefix("application/x-protobuf") == true {
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer()))
        }
        return JSONResponse.make(JSONValue.object([:]))
    }
}
