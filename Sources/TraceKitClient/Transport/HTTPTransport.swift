import TraceKitCore

/// The seam between the engine and HTTP: the client's threads execute the
/// requests `BackendRequests` builds through this, one transport per thread
/// (not shared). `HTTPSession` (libcurl) is the shipped implementation;
/// tests may give the client an in-process backend instead.
protocol HTTPTransport: AnyObject {
    /// One request, its whole (bounded) response.
    func send(_ request: HTTPRequest) -> HTTPResponseResult

    /// A long-lived response (server-sent events): each body chunk goes to
    /// `onData` until the peer closes, an error, `idleTimeoutMs` without a
    /// byte, or `shouldStop()` (checked at least every 100 ms).
    func stream(_ request: HTTPRequest, idleTimeoutMs: Int, shouldStop: () -> Bool,
                onData: (UnsafeRawBufferPointer) -> Void) -> StreamEnd
}

extension HTTPSession: HTTPTransport {}

/// Makes one transport for each of the client's threads.
struct TransportFactory: Sendable {
    let make: @Sendable () throws -> any HTTPTransport

    /// libcurl.
    static let curl = TransportFactory { try HTTPSession() }
}
