import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How long a connection may take at each stage, and how many may be open.
/// A socket that sends nothing, or drips its headers or body, is closed when
/// its stage's time is up, so idle or slow clients cannot hold the server's
/// file descriptors.
public struct ConnectionLimits: Sendable {
    /// From connecting to a complete request head (request line and headers).
    public var headerTimeout: Duration = .seconds(10)
    /// From the request head to the end of its body.
    public var bodyTimeout: Duration = .seconds(30)
    /// Between a response and the next request's complete head (keep-alive).
    public var idleTimeout: Duration = .seconds(60)
    /// Connections open at once; beyond it new ones wait in the listen
    /// backlog. Lowered at start to what the file-descriptor limit allows.
    public var maxConnections = 10_000
    /// Connections open at once from one client address; beyond it a new one
    /// is closed at once. (Behind a reverse proxy every client shares the
    /// proxy's address: raise it there.)
    public var maxConnectionsPerAddress = 512

    public init() {}

    /// File descriptors kept for the database, logs and the like.
    static let reservedDescriptors = 128

    /// `maxConnections`, lowered so that connections alone cannot exhaust the
    /// process's file descriptors (raising the soft limit to the hard one first).
    func effectiveMaxConnections() -> Int {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return maxConnections }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        let available = Int(clamping: limit.rlim_cur) - Self.reservedDescriptors
        return max(1, min(maxConnections, available))
    }
}

/// Counts open connections, overall (deciding when the server stops
/// accepting) and per client address. Shared by every connection.
public final class ConnectionRegistry: Sendable {
    private struct State {
        var perAddress: [String: Int] = [:]
        var limitReached = false
        /// The current episode was logged (the warning is rate-limited).
        var episodeLogged = false
        var lastWarning: ContinuousClock.Instant?
    }

    /// At most one "limit reached" warning this often: a burst of clients
    /// makes the count flap around the limit while the backlog drains.
    static let warningInterval = Duration.seconds(60)

    private let state = Mutex(State())
    let limits: ConnectionLimits
    let maxConnections: Int
    let logger: Logger
    /// Connections closed because their client address had too many open.
    public let refusedPerAddress = Atomic<Int>(0)
    /// Connections closed because a header, body or idle timeout expired.
    public let timedOut = Atomic<Int>(0)

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.maxConnections = limits.effectiveMaxConnections()
        self.logger = logger
    }

    /// Whether a new connection from `address` may stay open (counted if so).
    func open(address: String) -> Bool {
        state.withLock { state in
            let count = state.perAddress[address, default: 0]
            guard count < limits.maxConnectionsPerAddress else { return false }
            state.perAddress[address] = count + 1
            return true
        }
    }

    func close(address: String) {
        state.withLock { state in
            let count = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = count > 0 ? count : nil
        }
    }

    /// Logs once per episode that the overall limit was reached (not once per
    /// waiting connection, which a flood would turn into a flood of logs); the
    /// episode ends when a quarter of the connections have closed. Episodes
    /// within `warningInterval` of a logged one are not logged (neither their
    /// end): accepting the backlog while the first clients still close can
    /// reach the limit again at once.
    func noteLimit(reached: Bool, open: Int) {
        let now = ContinuousClock.now
        let log = state.withLock { state -> Bool in
            guard state.limitReached != reached else { return false }
            state.limitReached = reached
            if !reached { return state.episodeLogged }
            state.episodeLogged = state.lastWarning.map { now - $0 >= Self.warningInterval } ?? true
            if state.episodeLogged { state.lastWarning = now }
            return state.episodeLogged
        }
        guard log else { return }
        if reached {
            logger.warning("connection limit reached; new connections wait until others close",
                           metadata: ["open": "\(open)", "limit": "\(maxConnections)"])
        } else {
            logger.notice("accepting connections again", metadata: ["open": "\(open)"])
        }
    }

    /// Hummingbird's hook deciding whether the server accepts more connections.
    var acceptanceDelegate: OverallConnectionLimit { OverallConnectionLimit(registry: self) }

    /// A fresh guard for each accepted connection.
    func makeGuard() -> ConnectionGuard { ConnectionGuard(registry: self) }
}

/// Stops accepting (the kernel backlog holds new clients) at `maxConnections`.
struct OverallConnectionLimit: AvailableConnectionsDelegate {
    let registry: ConnectionRegistry
    var open = 0

    mutating func connectionOpened() {
        open += 1
        if open >= registry.maxConnections { registry.noteLimit(reached: true, open: open) }
    }

    mutating func connectionClosed() {
        open -= 1
        // Hysteresis: a server hovering at the limit logs one episode, not every flap.
        if open <= registry.maxConnections * 3 / 4 { registry.noteLimit(reached: false, open: open) }
    }

    func isAcceptingNewConnections() -> Bool { open < registry.maxConnections }
}

/// Sits in each connection's pipeline, after HTTP decoding:
/// - enforces the header, body and idle timeouts (closing the connection);
/// - closes a connection whose address already has too many open;
/// - on graceful shutdown, closes a connection still reading a request
///   (a client that never finishes its body cannot hold the shutdown);
/// - closes an event stream whose client closed its side (frees it at once);
/// - turns the empty `400` Hummingbird sends for malformed HTTP (or headers
///   beyond the size limit) into the server's JSON error shape.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Stage { case awaitingHead, readingBody, responding }

    private let registry: ConnectionRegistry
    private var stage = Stage.awaitingHead
    /// When the current stage's time is up; nil while a response is written.
    private var expiry: NIODeadline?
    /// The one scheduled look at `expiry`. A request moves `expiry` (twice)
    /// without scheduling and cancelling a timer each time; the check runs
    /// at least every `checkInterval` and re-schedules itself.
    private var check: Scheduled<Void>?
    private var checkAt = NIODeadline.distantFuture
    private var countedAddress: String?
    private var completingMalformedResponse = false
    /// The response being written is an event stream (it ends when the client leaves).
    private var respondingWithStream = false

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard registry.open(address: address) else {
            registry.refusedPerAddress.add(1, ordering: .relaxed)
            context.close(promise: nil)
            return
        }
        countedAddress = address
        arm(registry.limits.headerTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        expiry = nil
        if let countedAddress { registry.close(address: countedAddress) }
        countedAddress = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            stage = .readingBody
            arm(registry.limits.bodyTimeout, context: context)
        case .body:
            break
        case .end:
            // The handler may take as long as it needs (SSE streams last hours).
            stage = .responding
            expiry = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.headerFields[.contentType] == "text/event-stream":
            respondingWithStream = true
            context.write(data, promise: promise)
        case .head(let head) where Self.isMalformedRequestResponse(head):
            var head = head
            let body = Self.malformedRequestBody
            head.headerFields[.contentLength] = String(body.readableBytes)
            head.headerFields[.contentType] = "application/json; charset=utf-8"
            completingMalformedResponse = true
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where completingMalformedResponse:
            completingMalformedResponse = false
            context.write(wrapOutboundOut(.body(Self.malformedRequestBody)), promise: nil)
            context.write(data, promise: promise)
        case .end:
            respondingWithStream = false
            if stage == .responding {
                stage = .awaitingHead
                arm(registry.limits.idleTimeout, context: context)
            }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, stage != .responding {
            context.close(promise: nil)
            return
        }
        // The client closed its side during an event stream: it is gone, so
        // the stream is freed now rather than at its next write.
        if case ChannelEvent.inputClosed? = event as? ChannelEvent, respondingWithStream {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func arm(_ timeout: Duration, context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        let expiry = now + TimeAmount(timeout)
        self.expiry = expiry
        // The check runs no later than `expiry`; usually it already does.
        if check == nil || expiry < checkAt { scheduleCheck(at: min(expiry, now + checkInterval), context: context) }
    }

    /// The shortest timeout: checking this often, a new stage's expiry never
    /// lies before the scheduled check, so arming needs no new timer.
    private var checkInterval: TimeAmount {
        let limits = registry.limits
        return TimeAmount(min(limits.headerTimeout, limits.bodyTimeout, limits.idleTimeout))
    }

    private func scheduleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        check?.cancel()
        checkAt = deadline
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            check = nil
            checkExpiry(context: context)
        }
    }

    private func checkExpiry(context: ChannelHandlerContext) {
        guard let expiry else { return }  // responding: armed again when the response ends
        let now = NIODeadline.now()
        if expiry <= now {
            registry.timedOut.add(1, ordering: .relaxed)
            context.channel.close(promise: nil)
        } else {
            scheduleCheck(at: min(expiry, now + checkInterval), context: context)
        }
    }

    /// Hummingbird answers an `HTTPParserError` with exactly this head; the
    /// server's own 400s always carry a JSON body.
    static func isMalformedRequestResponse(_ head: HTTPResponse) -> Bool {
        head.status == .badRequest && head.headerFields[.contentLength] == "0" && head.headerFields[.connection] == "close"
    }

    static let malformedRequestBody = ByteBuffer(
        string: #"{"error":"malformed_request","message":"the request is not valid HTTP/1.1 or its headers exceed the size limit"}"#)
}
