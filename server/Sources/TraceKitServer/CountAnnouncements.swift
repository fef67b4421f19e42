import Synchronization

/// Announces the capture count changes of stored captures, at most once per
/// `interval` per breakpoint: the first change at once, later ones within
/// the interval together at its end. A service capturing 100 times a second
/// then costs its SDK streams (and this server's change publisher, which
/// reads each announced breakpoint back) a few `breakpoint_updated` events a
/// second, not one per capture. SDKs lose nothing: they count their own
/// captures sent since the last count they heard (docs/PROTOCOL.md). A
/// change SDKs must act on (a breakpoint disabled at its limit) does not
/// come through here: it is announced at once.
final class CountAnnouncements: Sendable {
    private let changes: ChangeFeed
    private let interval: Duration
    /// Breakpoints whose interval is running: true when a change waits for its end.
    private let waiting = Mutex<[StoreChange: Bool]>([:])

    init(changes: ChangeFeed, interval: Duration = .milliseconds(250)) {
        self.changes = changes
        self.interval = interval
    }

    func countChanged(_ bp: Breakpoint) {
        let change = StoreChange(.breakpointUpdated, id: bp.id, service: bp.serviceName)
        let startsInterval = waiting.withLock { waiting -> Bool in
            if waiting[change] != nil {
                waiting[change] = true
                return false
            }
            waiting[change] = false
            return true
        }
        guard startsInterval else { return }
        changes.announce(change)
        Task { await self.endIntervals(of: change) }
    }

    /// At each interval's end: announces what waited and starts another
    /// interval, or stops when nothing changed.
    private func endIntervals(of change: StoreChange) async {
        while true {
            try? await Task.sleep(for: interval)
            let changed = waiting.withLock { waiting -> Bool in
                guard waiting[change] == true else {
                    waiting[change] = nil
                    return false
                }
                waiting[change] = false
                return true
            }
            guard changed else { return }
            changes.announce(change)
        }
    }
}
