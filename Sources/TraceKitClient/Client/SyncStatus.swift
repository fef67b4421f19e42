import Synchronization

/// What the sync thread and the rest of the client tell each other without
/// a lock: the sender asks for a poll now (after an auto-registration, whose
/// breakpoint the server may have enabled); the sync thread says whether its
/// stream is up (`tk_client_stats` "sse_connected").
final class SyncStatus: Sendable {
    private let refreshRequested = Atomic<Bool>(false)
    private let streamConnected = Atomic<Bool>(false)

    func requestRefresh() { refreshRequested.store(true, ordering: .releasing) }

    /// True once per request.
    func takeRefreshRequest() -> Bool { refreshRequested.exchange(false, ordering: .acquiringAndReleasing) }

    var isStreamConnected: Bool { streamConnected.load(ordering: .relaxed) }

    /// True when the stream was down until now (a new connection).
    func markStreamConnected() -> Bool { !streamConnected.exchange(true, ordering: .relaxed) }

    func markStreamDisconnected() { streamConnected.store(false, ordering: .relaxed) }
}
