import Hummingbird
import ServiceLifecycle
import Synchronization

/// `GET /dashboard/events`: the dashboard's live updates over SSE.
///
/// Rather than hooking every write path, the stream compares a small digest
/// of the store each `interval` and sends what changed:
/// `services` (kill switch, connected SDKs), `breakpoints` (status, counts),
/// `snapshots` (newest sequence number) and `code` (index size). One cheap
/// read per interval per open dashboard; nothing to keep in step with the
/// SDK routes.
struct DashboardEvents {
    let state: ServerState
    let interval: Duration

    struct Digest: Equatable {
        var services: AnyJSON = .null
        var breakpoints: AnyJSON = .null
        var latestSnapshot: Int64 = -1
        var code: AnyJSON = .null
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
                    while !Task.isCancelled && !stop.isSet {
                        let current = try await digest()
                        let frames = Self.frames(from: last, to: current)
                        // A comment line now and then lets a closed connection be noticed.
                        quietRounds = frames.isEmpty ? quietRounds + 1 : 0
                        for frame in frames { try await writer.write(ByteBuffer(string: frame)) }
                        if quietRounds >= 15 {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            quietRounds = 0
                        }
                        last = current
                        try await Task.sleep(for: interval)
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
        let services = try await state.store.services().map { service in
            AnyJSON.object([
                "name": .string(service.name), "kill_switch": .bool(service.killSwitch),
                "connected_sdks": .int(Int64(state.hub.connectionCount(service: service.name))),
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

    static func frame(_ event: String, _ data: AnyJSON) -> String {
        "event: \(event)\ndata: \(data.jsonText)\n\n"
    }
}
