import Hummingbird
import TraceKitCore

/// `POST /v1/traces`: OTLP/HTTP trace exports (protobuf or JSON, optionally
/// gzip-encoded) from OpenTelemetry exporters, the official TraceKit SDKs
/// included. The code locations they reveal feed the code index; the spans
/// themselves are not stored.
struct TraceIngestRoutes {
    let state: ServerState

    func register(on group: RouterGroup<ServerContext>) {
        group.post("traces", use: ingest)
    }

    /// Inflated bodies may be this many times the body limit (OTLP JSON
    /// compresses 5-10x); bounds the memory one request can take.
    static let inflationFactor = 8

    @Sendable func ingest(_ request: Request, context: ServerContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: state.config.maxBodyBytes)
        let contentType = request.headers[.contentType]
        let contentEncoding = request.headers[.contentEncoding]
        // Inflating, decoding and scanning stack traces is the CPU-heavy part: bounded.
        let (encoding, locations) = try await state.cpuWork.run {
            let (encoding, batch) = try decode(buffer: buffer, contentType: contentType, contentEncoding: contentEncoding)
            for service in batch.serviceNames { _ = try context.requireKey(for: service) }
            return (encoding, CodeLocationExtractor.locations(in: batch))
        }
        try await state.store.recordCodeLocations(locations, now: Timestamps.now())
        // An empty ExportTraceServiceResponse: `{}` in JSON, zero bytes in protobuf.
        if encoding == .protobuf {
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer()))
        }
        return JSONResponse.make(JSONValue.object([:]))
    }

    /// The export in `buffer`, inflated (gzip) and decoded (JSON or protobuf).
    func decode(buffer: ByteBuffer, contentType: String?, contentEncoding: String?) throws -> (Encoding, TraceBatch) {
        var bytes = Array(buffer.readableBytesView)
        switch contentEncoding?.lowercased() {
        case nil, "", "identity": break
        case "gzip", "deflate":
            do {
                bytes = try Gzip.inflate(bytes, limit: state.config.maxBodyBytes.multipliedReportingOverflow(by: Self.inflationFactor).partialValue)
            } catch .tooLarge {
                throw APIError(.contentTooLarge, "payload_too_large", "the inflated body exceeds the size limit")
            } catch .invalid(let reason) {
                throw APIError.badRequest(reason)
            }
        case let other?:
            throw APIError(.unsupportedMediaType, "unsupported_encoding", "Content-Encoding '\(other)' is not supported (gzip is)")
        }
        // An empty protobuf body would decode as an empty export; exporters never send one.
        guard !bytes.isEmpty else { throw APIError.badRequest("invalid OTLP trace export: the body is empty") }
        let encoding = try Self.encoding(contentType: contentType, bytes: bytes)
        let batch: TraceBatch
        do {
            batch = try encoding == .json ? Self.decodeJSON(bytes) : TraceIngestProtobuf.decode(bytes)
        } catch {
            throw APIError.badRequest("invalid OTLP trace export: \(error.reason)")
        }
        return (encoding, batch)
    }

    enum Encoding { case json, protobuf }

    /// From Content-Type; without one, a body starting with `{` is JSON.
    static func encoding(contentType: String?, bytes: [UInt8]) throws(APIError) -> Encoding {
        let mediaType = contentType?.split(separator: ";").first?.trimmingWhitespace().lowercased() ?? ""
        switch mediaType {
        case "application/json": return .json
        case "application/x-protobuf", "application/protobuf": return .protobuf
        case "": return bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") ? .json : .protobuf
        default:
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "Content-Type '\(mediaType)' is not supported: send application/x-protobuf or application/json")
        }
    }

    static func decodeJSON(_ bytes: [UInt8]) throws(TraceDecodingError) -> TraceBatch {
        guard !bytes.isEmpty else { throw TraceDecodingError("the body is empty") }
        let json: JSONValue
        do {
            json = try bytes.withUnsafeBytes { raw in try JSONValue.parse(raw) }
        } catch let error as JSONParseError {
            throw TraceDecodingError("the body is not valid JSON (offset \(error.offset): \(error.message))")
        } catch {
            throw TraceDecodingError("the body is not valid JSON")
        }
        return try TraceIngestJSON.decode(json)
    }
}
