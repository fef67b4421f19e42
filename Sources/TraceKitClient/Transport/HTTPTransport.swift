import TraceKitCore

/// The seam between the engine and HTTP: the client's threads execute the
/// requests `BackendRequests` builds through this, one transport per thread
/// (not shared). `HTTPSession` (libcurl) is the shipped implementation;
/// tests may give the client an in-process backend instead.
protocol HTTPTransport: AnyObject {
    /// One request, its whole (bounded) response.
    func send(_ request: HTTPRequest) -> HTTPResponseResult

    /// Starts a request without waiting for it (several may run at once);
    /// its result comes out of a later `completedTransfers` under `tag`.
    func start(_ request: HTTPRequest, tag: Int)

    /// Runs the started requests, waiting up to `waitingUpToMs` or until
    /// `wakeUp` for at least one to finish; returns those that did.
    func completedTransfers(waitingUpToMs: Int) -> [CompletedTransfer]

    /// A long-lived response (server-sent events): each body chunk goes to
    /// `onData` until the peer closes, an error, `idleTimeoutMs` without a
    /// byte, or `shouldStop()` (asked after each chunk and each `wakeUp`).
    func stream(_ request: HTTPRequest, idleTimeoutMs: Int, shouldStop: () -> Bool,
                onData: (UnsafeRawBufferPointer) -> Void) -> StreamEnd

    /// Ends the current (or next) wait of the transport's thread at once.
    /// Callable from any thread while the transport exists: attach it to the
    /// thread's `WakeSignal`, which detaches it before the transport goes.
    var wakeUp: @Sendable () -> Void { get }
}

extension HTTPSession: HTTPTransport {}

/// Makes one transport for each of the client's threads.
struct TransportFactory: Sendable {
    let make: @Sendable () throws -> any HTTPTransport

    /// libcurl.
    static let curl = TransportFactory { try HTTPSession() }
}
