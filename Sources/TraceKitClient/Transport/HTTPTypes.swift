import TraceKitCore

/// One header line of a request.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request for `HTTPSession`. Timeouts and the response bound are part of
/// the request so every call site states them.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var method: Method
    /// An absolute http:// or https:// URL; other schemes are refused.
    public var url: String
    /// Sent as given (e.g. `X-API-Key`). Values never appear in errors.
    public var headers: [HTTPHeader]
    /// The POST body (ignored for GET).
    public var body: [UInt8]
    public var connectTimeoutMilliseconds: Int
    /// The whole exchange, connect included (`send` only; `stream` uses an idle timeout).
    public var totalTimeoutMilliseconds: Int
    /// A larger (decoded) response body is an error, not unbounded memory.
    public var maxResponseBytes: Int

    public init(method: Method, url: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
                connectTimeoutMilliseconds: Int = 2_000, totalTimeoutMilliseconds: Int = 5_000,
                maxResponseBytes: Int = 1 << 20) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A response that arrived completely (any status code).
public struct HTTPResponse: Sendable, Equatable {
    public var statusCode: Int
    public var body: [UInt8]
    /// `Retry-After` in delta-seconds; nil when absent or an HTTP-date.
    public var retryAfterSeconds: Int?

    public init(statusCode: Int, body: [UInt8], retryAfterSeconds: Int?) {
        self.statusCode = statusCode
        self.body = body
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Why a request got no complete response. `message` comes from libcurl
/// (host, port, OS error) and never contains request header values.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The request itself is unusable (bad URL scheme, CR/LF in a header).
        case invalidRequest = "invalid request"
        /// DNS failure, connection refused, connect timeout.
        case connectFailed = "connect failed"
        /// The total timeout passed.
        case timedOut = "timed out"
        /// Handshake or certificate verification failed.
        case tls = "TLS error"
        /// The body exceeded `maxResponseBytes`.
        case responseTooLarge = "response too large"
        case other = "transport error"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

public typealias HTTPResponseResult = Result<HTTPResponse, TransportError>

/// How `HTTPSession.stream` ended.
public struct StreamEnd: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The server ended the response (clean close).
        case peerClosed
        /// No byte arrived for `idleTimeoutMs`: a silent or dead peer.
        case idleTimeout
        /// `shouldStop()` returned true.
        case stopped
        /// The server answered with a non-2xx status; the body was not delivered.
        case httpStatus
        case failed(TransportError)
    }

    public var reason: Reason
    /// The response status, or 0 when none arrived.
    public var statusCode: Int
    /// From a `Retry-After` header on the response (e.g. with 429 or 503).
    public var retryAfterSeconds: Int?
    /// Body bytes handed to `onData`.
    public var bytesDelivered: Int

    public init(reason: Reason, statusCode: Int, retryAfterSeconds: Int? = nil, bytesDelivered: Int = 0) {
        self.reason = reason
        self.statusCode = statusCode
        self.retryAfterSeconds = retryAfterSeconds
        self.bytesDelivered = bytesDelivered
    }
}
