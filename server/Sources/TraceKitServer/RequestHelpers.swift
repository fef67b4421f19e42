import Foundation
import Hummingbird
import TraceKitCore

extension Request {
    /// Reads the body (at most `limit` bytes, else 413) as a JSON value.
    func jsonBody(limit: Int) async throws -> JSONValue {
        try Self.parseJSON(try await nonEmptyBody(limit: limit))
    }

    /// Like `jsonBody`, but an empty body is nil rather than an error.
    func optionalJSONBody(limit: Int) async throws -> JSONValue? {
        let buffer = try await body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else { return nil }
        return try Self.parseJSON(buffer)
    }

    /// `jsonBody`, and the body's text as received.
    func jsonBodyWithText(limit: Int) async throws -> (value: JSONValue, text: String) {
        let buffer = try await nonEmptyBody(limit: limit)
        return (try Self.parseJSON(buffer), String(buffer: buffer))
    }

    /// The body (at most `limit` bytes, else 413); an empty one is a 400.
    private func nonEmptyBody(limit: Int) async throws -> ByteBuffer {
        let buffer = try await body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("the request body is empty; a JSON object is expected")
        }
        return buffer
    }

    private static func parseJSON(_ buffer: ByteBuffer) throws(APIError) -> JSONValue {
        do {
            return try buffer.withUnsafeReadableBytes { bytes throws(JSONParseError) in try JSONValue.parse(bytes) }
        } catch {
            throw APIError.badRequest("the request body is not valid JSON (offset \(error.offset): \(error.message))")
        }
    }
}

extension Parameters {
    /// A path parameter, percent-decoded.
    func decoded(_ name: String) throws(APIError) -> String {
        guard let raw = get(name), !raw.isEmpty else { throw APIError.badRequest("missing path parameter '\(name)'") }
        return raw.removingPercentEncoding ?? raw
    }
}
