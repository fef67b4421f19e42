import Hummingbird
import ServiceLifecycle
import Synchronization
import TraceKitCore

/// `GET /dashboard/events`: the dashboard's live updates over SSE.
///
/// The stream compares a small digest of the store each `interval`, and at
/// once after the change feed published something (`storeEpoch`), and sends
/// what changed:
/// `services` (kill switch, connected SDKs), `breakpoints` (status, counts),
/// `snapshots` (newest sequence number) and `code` (index size). The digest
/// is computed once per interval and shared by every open dashboard
/// (`SharedDigest`), so ten dashboards cost what one does.
///
/// The stream ends within `authorizationCheck` of its session ending or its
/// key being revoked: `stillAuthorized` is asked again whenever
/// `AuthorizationEpoch` moved (a sign-out or a revocation happened).
struct DashboardEvents {
    let state: ServerState
    let interval: Duration
    let stillAuthorized: @Sendable () async -> Bool
    /// Closes the connection (a stream whose authorization ended must not idle on as keep-alive).
    let hangUp: @Sendable () -> Void

    static let authorizationCheck: Duration = .milliseconds(200)

    struct Digest: Equatable, Sendable {
        var services: JSONValue = .null
        var breakpoints: JSONValue = .null
        var latestSnapshot: Int64 = -1
        var code: JSONValue = .null
    }

    func stream() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: .init { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                let stop = StopFlag()
                try await withGracefulShutdownHandler {
                    var last = Digest()
                    var quietRounds = 0
                    var epoch = state.authorizationEpoch.value
                    while !Task.isCancelled && !stop.isSet {
                        let changes = state.storeEpoch.value
                        let current = try await state.dashboardDigest.current(maxAge: interval, storeEpoch: changes) { try await digest() }
                        let frames = Self.frames(from: last, to: current)
                        // A comment line now and then lets a closed connection be noticed.
                        quietRounds = frames.isEmpty ? quietRounds + 1 : 0
                        for frame in frames { try await writer.write(ByteBuffer(string: frame)) }
                        if quietRounds >= 15 {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            quietRounds = 0
                        }
                        last = current
                        // Sleep one interval in short steps, re-checking authorization after any sign-out or
                        // revocation; a published store change ends the sleep after the current step (so a
                        // write storm costs at most one digest per step).
                        var slept: Duration = .zero
                        while slept < interval && !stop.isSet {
                            if slept > .zero && state.storeEpoch.value != changes { break }
                            let step = min(Self.authorizationCheck, interval - slept)
                            try await Task.sleep(for: step)
                            slept += step
                            let now = state.authorizationEpoch.value
                            if now != epoch {
                                epoch = now
                                guard await stillAuthorized() else {
                                    hangUp()
                                    return
                                }
                            }
                        }
                    }
                } onGracefulShutdown: {
                    stop.set()
                }
                try await writer.finish(nil)
            })
    }

    /// Set on graceful shutdown; the loop ends within one interval.
    final class StopFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }

    func digest() async throws -> Digest {
        let connected = try await state.fleet.counts(state: state, now: Timestamps.now())
        let services = try await state.store.services().map { service in
            JSONValue.object([
                "name": .string(service.name), "kill_switch": .bool(service.killSwitch),
                "connected_sdks": .int(Int64(connected[service.name] ?? 0)),
            ])
        }
        let breakpoints = try await state.store.breakpoints(service: nil).map(\.json)
        let markers = try await state.store.dashboardMarkers()
        return Digest(
            services: .array(services), breakpoints: .array(breakpoints), latestSnapshot: markers.latestSnapshot,
            code: .object(["locations": .int(Int64(markers.codeLocations)), "hit_count": .int(Int64(markers.codeHits))]))
    }

    static func frames(from old: Digest, to new: Digest) -> [String] {
        var frames: [String] = []
        if old.services != new.services { frames.append(frame("services", .object(["services": new.services]))) }
        if old.breakpoints != new.breakpoints { frames.append(frame("breakpoints", .object(["breakpoints": new.breakpoints]))) }
        if old.latestSnapshot != new.latestSnapshot {
            frames.append(frame("snapshots", .object(["latest_seq": .int(new.latestSnapshot)])))
        }
        if old.code != new.code { frames.append(frame("code", new.code)) }
        return frames
    }

    static func frame(_ event: String, _ data: JSONValue) -> String {
        "event: \(event)\ndata: \(data.jsonText)\n\n"
    }
}

/// The newest dashboard digest, computed by whichever stream asks first once
/// the previous one is older than the interval or predates a published store
/// change; the others await the same task.
final class SharedDigest: Sendable {
    private struct Entry {
        var computedAt: ContinuousClock.Instant
        var storeEpoch: Int
        var task: Task<DashboardEvents.Digest, any Error>
    }
    private let entry = Mutex<Entry?>(nil)

    func current(maxAge: Duration, storeEpoch: Int, compute: @escaping @Sendable () async throws -> DashboardEvents.Digest) async throws -> DashboardEvents.Digest {
        let now = ContinuousClock.now
        let task = entry.withLock { entry -> Task<DashboardEvents.Digest, any Error> in
            // Slightly under the interval, so each stream's next round sees a fresh digest.
            if let existing = entry, existing.storeEpoch == storeEpoch, now - existing.computedAt < maxAge * 0.9 { return existing.task }
            let task = Task { try await compute() }
            entry = Entry(computedAt: now, storeEpoch: storeEpoch, task: task)
            return task
        }
        return try await task.value
    }
}

/// A counter that moves when something happened: `authorizationEpoch` on
/// every sign-out and key revocation (open dashboard streams then check that
/// their session or key is still valid), `storeEpoch` on published changes.
final class Epoch: Sendable {
    private let counter = Atomic<Int>(0)
    var value: Int { counter.load(ordering: .relaxed) }
    func advance() { counter.add(1, ordering: .relaxed) }
}
