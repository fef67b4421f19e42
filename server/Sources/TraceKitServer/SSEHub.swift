import Hummingbird
import Synchronization
import TraceKitCore

/// Fans breakpoint changes (from `ChangePublisher`) out to the SSE streams of each service.
///
/// Each connection has a bounded buffer of encoded events. A reader that falls
/// so far behind that its buffer fills is disconnected (its socket closed), so
/// the server's memory does not grow with slow clients; an SDK reconnects and
/// gets a fresh `init`.
///
/// Streams are also closed when the key that opened them is revoked, and at
/// most `maxStreamsPerKey` are open per key. `sdk_count` is coalesced: a burst
/// of connects and disconnects on a service sends one count per
/// `countDelay`, not one per change to every stream.
///
/// An event reaches the streams `deliverySlice` at a time, pausing
/// `slicePause` between slices: each stream it wakes is a task that writes on
/// an event loop, and waking thousands at once would queue every API request
/// behind their writes (2,000 streams: one request per change waited 50-80 ms).
public final class SSEHub: Sendable {
    final class Connection: Sendable {
        let id: Int
        let service: String
        let keyID: String
        let continuation: AsyncStream<ByteBuffer>.Continuation
        let hangUp: @Sendable () -> Void

        init(id: Int, service: String, keyID: String, continuation: AsyncStream<ByteBuffer>.Continuation,
             hangUp: @escaping @Sendable () -> Void) {
            self.id = id
            self.service = service
            self.keyID = keyID
            self.continuation = continuation
            self.hangUp = hangUp
        }
    }

    private struct State {
        var nextConnectionID = 0
        var nextEventID: Int64 = 0
        var connections: [String: [Int: Connection]] = [:]
        var streamsPerKey: [String: Int] = [:]
        /// Services whose `sdk_count` changed since the last one was sent.
        var countsPending: Set<String> = []
        /// Open streams per service on the other instances sharing the
        /// database, as last reported (`FleetConnections`); part of `sdk_count`.
        var otherInstances: [String: Int] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    private let bufferEvents: Int
    let maxStreamsPerKey: Int
    let countDelay: Duration
    let deliverySlice: Int
    let slicePause: Duration
    /// Connections cut off because they fell behind (for tests and logs).
    public let slowReadersDisconnected = Atomic<Int>(0)

    public init(bufferEvents: Int, maxStreamsPerKey: Int = 10_000, countDelay: Duration = .milliseconds(100),
                deliverySlice: Int = 64, slicePause: Duration = .milliseconds(1)) {
        self.bufferEvents = max(bufferEvents, 4)
        self.maxStreamsPerKey = max(maxStreamsPerKey, 1)
        self.countDelay = countDelay
        self.deliverySlice = max(deliverySlice, 1)
        self.slicePause = slicePause
    }

    /// Registers a connection; the stream yields encoded SSE frames and ends
    /// when the connection is removed. `hangUp` closes the socket. Throws
    /// 503 when shutting down, 429 when `keyID` has too many streams open.
    func subscribe(service: String, keyID: String, hangUp: @escaping @Sendable () -> Void) throws(APIError)
        -> (id: Int, stream: AsyncStream<ByteBuffer>) {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(bufferEvents))
        let connection = state.withLock { state -> Result<Connection, APIError> in
            guard !state.closed else { return .failure(APIError(.serviceUnavailable, "shutting_down", "the server is shutting down")) }
            guard state.streamsPerKey[keyID, default: 0] < maxStreamsPerKey else {
                return .failure(APIError(.tooManyRequests, "too_many_streams",
                                         "this API key already has \(maxStreamsPerKey) streams open; close some first"))
            }
            state.nextConnectionID += 1
            let connection = Connection(id: state.nextConnectionID, service: service, keyID: keyID, continuation: continuation, hangUp: hangUp)
            state.connections[service, default: [:]][connection.id] = connection
            state.streamsPerKey[keyID, default: 0] += 1
            return .success(connection)
        }
        switch connection {
        case .failure(let error): throw error
        case .success(let connection):
            countChanged(service: service)
            return (connection.id, stream)
        }
    }

    func unsubscribe(service: String, id: Int) {
        guard let removed = state.withLock({ state in Self.remove(service: service, id: id, from: &state) }) else { return }
        removed.continuation.finish()
        countChanged(service: service)
    }

    /// Closes every stream opened with `keyID` (the key was revoked).
    /// Returns how many were closed.
    @discardableResult
    public func closeStreams(keyID: String) -> Int {
        let removed = state.withLock { state -> [Connection] in
            let matching = state.connections.values.flatMap { $0.values.filter { $0.keyID == keyID } }
            for connection in matching { _ = Self.remove(service: connection.service, id: connection.id, from: &state) }
            return matching
        }
        for connection in removed {
            connection.continuation.finish()
            connection.hangUp()
            countChanged(service: connection.service)
        }
        return removed.count
    }

    private static func remove(service: String, id: Int, from state: inout State) -> Connection? {
        guard let removed = state.connections[service]?.removeValue(forKey: id) else { return nil }
        if state.connections[service]?.isEmpty == true { state.connections[service] = nil }
        let left = state.streamsPerKey[removed.keyID, default: 1] - 1
        state.streamsPerKey[removed.keyID] = left > 0 ? left : nil
        return removed
    }

    /// Sends one event to every stream of `service`.
    public func publish(service: String, event: String, data: @autoclosure () -> JSONValue) async {
        let targets = state.withLock { state -> (Int64, [Connection]) in
            state.nextEventID += 1
            return (state.nextEventID, Array((state.connections[service] ?? [:]).values))
        }
        // Encoding is skipped when nobody listens (the common case on ingest).
        guard !targets.1.isEmpty else { return }
        await deliver(frame(event: event, data: data(), id: targets.0), to: targets.1)
    }

    /// A keep-alive to every stream.
    public func heartbeat(now: Double) async {
        let all = state.withLock { state in state.connections.values.flatMap { $0.values } }
        await deliver(frame(event: "heartbeat", data: .object(["time": .string(Timestamps.format(now))]), id: nil), to: all)
    }

    public func connectionCount(service: String) -> Int {
        state.withLock { $0.connections[service]?.count ?? 0 }
    }

    /// The services with at least one open stream.
    func connectedServices() -> [String] {
        state.withLock { Array($0.connections.keys) }
    }

    /// Open streams per service (services without any are absent).
    func connectionCounts() -> [String: Int] {
        state.withLock { $0.connections.mapValues(\.count) }
    }

    /// Takes the other instances' open streams per service (`FleetConnections`);
    /// each service streaming here whose fleet total changed gets an `sdk_count`.
    func setOtherInstancesCounts(_ counts: [String: Int]) {
        let changed = state.withLock { state in
            defer { state.otherInstances = counts }
            return state.connections.keys.filter { state.otherInstances[$0, default: 0] != counts[$0, default: 0] }
        }
        for service in changed { countChanged(service: service) }
    }

    /// Open SDK streams of `service` on every instance: this one's, live, plus the others' last reports.
    func fleetConnectionCount(service: String) -> Int {
        state.withLock { ($0.connections[service]?.count ?? 0) + $0.otherInstances[service, default: 0] }
    }

    /// Ends every stream (graceful shutdown) and refuses new ones.
    public func closeAll() {
        let all = state.withLock { state in
            state.closed = true
            state.streamsPerKey = [:]
            defer { state.connections = [:] }
            return state.connections.values.flatMap { $0.values }
        }
        for connection in all { connection.continuation.finish() }
    }

    /// The first frames a new stream receives: a reconnect delay, then `init`.
    func initialFrame(breakpoints: [Breakpoint], killSwitch: Bool) -> ByteBuffer {
        var buffer = ByteBuffer(string: "retry: 3000\n\n")
        var initFrame = frame(event: "init", data: Self.initData(breakpoints: breakpoints, killSwitch: killSwitch), id: nil)
        buffer.writeBuffer(&initFrame)
        return buffer
    }

    /// An `init` event's data: the whole state an SDK acts on.
    static func initData(breakpoints: [Breakpoint], killSwitch: Bool) -> JSONValue {
        .object(["breakpoints": .array(breakpoints.map(\.json)), "kill_switch": .bool(killSwitch)])
    }

    /// Schedules one `sdk_count` (streams on every instance) for `service`
    /// after `countDelay`, unless one is already due.
    private func countChanged(service: String) {
        let schedule = state.withLock { state in state.countsPending.insert(service).inserted && !state.closed }
        guard schedule else { return }
        Task { [self] in
            try? await Task.sleep(for: countDelay)
            _ = state.withLock { $0.countsPending.remove(service) }
            await publish(service: service, event: "sdk_count", data: .object(["count": .int(Int64(fleetConnectionCount(service: service)))]))
        }
    }

    private func deliver(_ frame: ByteBuffer, to connections: [Connection]) async {
        var cutOff: [Connection] = []
        for (index, connection) in connections.enumerated() {
            // The streams woken so far, and requests that arrived meanwhile, run before the next slice.
            if index > 0, index.isMultiple(of: deliverySlice) { try? await Task.sleep(for: slicePause) }
            if case .dropped = connection.continuation.yield(frame) { cutOff.append(connection) }
        }
        for connection in cutOff {
            slowReadersDisconnected.add(1, ordering: .relaxed)
            let removed = state.withLock { state in Self.remove(service: connection.service, id: connection.id, from: &state) }
            connection.continuation.finish()
            connection.hangUp()
            if removed != nil { countChanged(service: connection.service) }
        }
    }

    private func frame(event: String, data: JSONValue, id: Int64?) -> ByteBuffer {
        // jsonText is single-line JSON, so one `data:` line carries it.
        var text = "event: \(event)\n"
        if let id { text += "id: \(id)\n" }
        text += "data: \(data.jsonText)\n\n"
        return ByteBuffer(string: text)
    }
}
