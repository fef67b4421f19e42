import Foundation
import Hummingbird
import TraceKitCore

/// Every 4xx/5xx the server sends has the body `{"error": code, "message": text}`.
/// Handlers throw `APIError`; `JSONErrorMiddleware` turns it (and any other
/// error) into that shape.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `invalid_request`.
    public var code: String
    public var message: String
    /// Extra fields merged into the body (e.g. the condition error offset).
    public var details: [String: JSONValue] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: JSONValue] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    static func badRequest(_ message: String, details: [String: JSONValue] = [:]) -> APIError {
        APIError(.badRequest, "invalid_request", message, details: details)
    }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid X-API-Key header is required")
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }

    func response() -> Response {
        var body = details
        body["error"] = .string(code)
        body["message"] = .string(message)
        return JSONResponse.make(JSONValue.object(body), status: status)
    }
}

/// Builds JSON responses. The text comes from `JSONValue.jsonText`, which
/// cannot fail, so no response is ever a bare `null`.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}

/// Catches every error thrown below it and answers with the JSON error shape.
/// Internal errors are logged, never echoed to the client.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            var response = error.response()
            // PROTOCOL.md: clients honour 429 with Retry-After.
            if error.status == .tooManyRequests && response.headers[.retryAfter] == nil { response.headers[.retryAfter] = "1" }
            return response
        } catch let error as HTTPError {
            return Self.apiError(status: error.status, message: error.body).response()
        } catch let error as any HTTPResponseError {
            return Self.apiError(status: error.status, message: nil).response()
        } catch is StoreOverloaded {
            // docs/PROTOCOL.md: SDKs honour 429 with Retry-After.
            var response = APIError(.tooManyRequests, "overloaded", "too many captures queued; retry later").response()
            response.headers[.retryAfter] = "1"
            return response
        } catch is DecodingError {
            return APIError.badRequest("the request body is not valid JSON").response()
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, "internal_error", "the server failed to handle the request").response()
        }
    }

    static func apiError(status: HTTPResponse.Status, message: String?) -> APIError {
        switch status {
        case .notFound: return .notFound("no route for this method and path")
        case .contentTooLarge: return APIError(.contentTooLarge, "payload_too_large", "the request body exceeds the size limit")
        case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "method not allowed on this path")
        default:
            let code = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return APIError(status, code, message ?? status.reasonPhrase)
        }
    }
}
