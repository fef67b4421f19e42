import Synchronization
import TraceKitCore

/// Telemetry for the next poll (`{"events": [...]}`, e.g. a circuit trip):
/// the sender adds, the sync thread takes them for a poll and puts them back
/// when the poll fails.
final class TelemetryEvents: Sendable {
    private let events = Mutex<[JSONValue]>([])
    /// A backend that stays unreachable must not grow memory for ever.
    static let capacity = 100

    func add(_ event: JSONValue) {
        events.withLock { events in if events.count < Self.capacity { events.append(event) } }
    }

    func takeAll() -> [JSONValue] {
        events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }

    /// Events a failed poll did not deliver go out first next time.
    func putBack(_ undelivered: [JSONValue]) {
        guard !undelivered.isEmpty else { return }
        events.withLock { $0.insert(contentsOf: undelivered, at: 0) }
    }
}
