import Logging
import Synchronization

/// A swift-log handler that keeps every message it receives.
struct RecordingLogHandler: LogHandler {
    final class Store: Sendable {
        let lines = Mutex<[(Logger.Level, String)]>([])
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.lines.withLock { $0.append((event.level, event.message.description)) }
    }
}
