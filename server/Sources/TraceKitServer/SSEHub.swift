import Hummingbird
import Synchronization

/// Fans breakpoint changes out to the SSE streams of each service.
///
/// Each connection has a bounded buffer of encoded events. A reader that falls
/// so far behind that its buffer fills is disconnected (its socket closed), so
/// the server's memory does not grow with slow clients; an SDK reconnects and
/// gets a fresh `init`.
public final class SSEHub: Sendable {
    final class Connection: Sendable {
        let id: Int
        let service: String
        let continuation: AsyncStream<ByteBuffer>.Continuation
        let hangUp: @Sendable () -> Void

        init(id: Int, service: String, continuation: AsyncStream<ByteBuffer>.Continuation, hangUp: @escaping @Sendable () -> Void) {
            self.id = id
            self.service = service
            self.continuation = continuation
            self.hangUp = hangUp
        }
    }

    private struct State {
        var nextConnectionID = 0
        var nextEventID: Int64 = 0
        var connections: [String: [Int: Connection]] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    private let bufferEvents: Int
    /// Connections cut off because they fell behind (for tests and logs).
    public let slowReadersDisconnected = Atomic<Int>(0)

    public init(bufferEvents: Int) {
        self.bufferEvents = max(bufferEvents, 4)
    }

    /// Registers a connection; the stream yields encoded SSE frames and ends
    /// when the connection is removed. `hangUp` closes the socket.
    func subscribe(service: String, hangUp: @escaping @Sendable () -> Void) -> (id: Int, stream: AsyncStream<ByteBuffer>)? {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(bufferEvents))
        let connection: Connection? = state.withLock { state in
            guard !state.closed else { return nil }
            state.nextConnectionID += 1
            let connection = Connection(id: state.nextConnectionID, service: service, continuation: continuation, hangUp: hangUp)
            state.connections[service, default: [:]][connection.id] = connection
            return connection
        }
        guard let connection else { return nil }
        publishCount(service: service)
        return (connection.id, stream)
    }

    func unsubscribe(service: String, id: Int) {
        let removed = state.withLock { state in state.connections[service]?.removeValue(forKey: id) }
        guard let removed else { return }
        removed.continuation.finish()
        publishCount(service: service)
    }

    /// Sends one event to every stream of `service`.
    public func publish(service: String, event: String, data: @autoclosure () -> AnyJSON) {
        let targets = state.withLock { state -> (Int64, [Connection]) in
            state.nextEventID += 1
            return (state.nextEventID, Array((state.connections[service] ?? [:]).values))
        }
        // Encoding is skipped when nobody listens (the common case on ingest).
        guard !targets.1.isEmpty else { return }
        deliver(frame(event: event, data: data(), id: targets.0), to: targets.1)
    }

    /// A keep-alive to every stream.
    public func heartbeat(now: Double) {
        let all = state.withLock { state in state.connections.values.flatMap { $0.values } }
        deliver(frame(event: "heartbeat", data: .object(["time": .string(Timestamps.format(now))]), id: nil), to: all)
    }

    public func connectionCount(service: String) -> Int {
        state.withLock { $0.connections[service]?.count ?? 0 }
    }

    /// Ends every stream (graceful shutdown) and refuses new ones.
    public func closeAll() {
        let all = state.withLock { state in
            state.closed = true
            defer { state.connections = [:] }
            return state.connections.values.flatMap { $0.values }
        }
        for connection in all { connection.continuation.finish() }
    }

    /// The first frames a new stream receives: a reconnect delay, then `init`.
    func initialFrame(breakpoints: [Breakpoint], killSwitch: Bool) -> ByteBuffer {
        var buffer = ByteBuffer(string: "retry: 3000\n\n")
        var initFrame = frame(
            event: "init",
            data: .object(["breakpoints": .array(breakpoints.map(\.json)), "kill_switch": .bool(killSwitch)]),
            id: nil)
        buffer.writeBuffer(&initFrame)
        return buffer
    }

    private func publishCount(service: String) {
        publish(service: service, event: "sdk_count", data: .object(["count": .int(Int64(connectionCount(service: service)))]))
    }

    private func deliver(_ frame: ByteBuffer, to connections: [Connection]) {
        var cutOff: [Connection] = []
        for connection in connections {
            if case .dropped = connection.continuation.yield(frame) { cutOff.append(connection) }
        }
        for connection in cutOff {
            slowReadersDisconnected.add(1, ordering: .relaxed)
            let removed = state.withLock { $0.connections[connection.service]?.removeValue(forKey: connection.id) }
            connection.continuation.finish()
            connection.hangUp()
            // The remaining streams hear the new count (this may cut off another slow
            // reader; each nested call removes one connection, so it is bounded).
            if removed != nil && connectionCount(service: connection.service) > 0 { publishCount(service: connection.service) }
        }
    }

    private func frame(event: String, data: AnyJSON, id: Int64?) -> ByteBuffer {
        // jsonText is single-line JSON, so one `data:` line carries it.
        var text = "event: \(event)\n"
        if let id { text += "id: \(id)\n" }
        text += "data: \(data.jsonText)\n\n"
        return ByteBuffer(string: text)
    }
}
