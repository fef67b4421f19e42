import Foundation
import Logging
import NIOSSL
import PostgresNIO
import TraceKitCore

/// PostgreSQL's side of the change feed. A writing transaction calls
/// `notify`: PostgreSQL delivers the notification to every listening
/// instance when, and only if, the transaction commits. The writing instance
/// announces its own change right after the commit (its streams get it
/// without a round trip) and its listener skips the echo.
extension PostgresStore {
    static let changeChannel = "tracekit_changes"

    /// One writing transaction: `body` returns its result and the changes it
    /// made, which are NOTIFYed inside the transaction and announced here
    /// once it committed (a rolled-back transaction announces nothing).
    /// `bodyNotifies`: `body` sent the NOTIFY of its changes itself (as part
    /// of another statement, see `noticePayloads`), saving a round trip.
    func writing<Result: Sendable>(bodyNotifies: Bool = false,
                                   _ body: (PostgresConnection) async throws -> (Result, [StoreChange])) async throws -> Result {
        let (result, made) = try await transaction { connection in
            let (result, made) = try await body(connection)
            if !bodyNotifies { try await notify(made, on: connection) }
            return (result, made)
        }
        for change in made { changes.announce(change) }
        return result
    }

    /// Queues `changes` for every instance (one statement, however many);
    /// call inside the writing transaction.
    func notify(_ made: [StoreChange], on connection: PostgresConnection) async throws {
        guard !made.isEmpty else { return }
        try await connection.query("SELECT pg_notify(\(Self.changeChannel), p) FROM UNNEST(\(noticePayloads(made))) AS p",
                                   logger: logger)
    }

    /// The NOTIFY payloads of `made`, for `SELECT pg_notify(channel, p) FROM UNNEST(payloads) AS p`.
    func noticePayloads(_ made: [StoreChange]) -> [String] {
        made.map { ChangeNotice(origin: changes.instanceID, change: $0).payload }
    }
}

/// The NOTIFY payload: the change and the instance that made it
/// (`{"origin":…,"kind":…,"id":…,"service":…}`, far below PostgreSQL's 8000-byte limit).
/// Written by hand with `origin` first, so that a listener skips its own
/// instance's notices by their prefix (`echoPrefix`) without parsing them:
/// every instance hears every notice, its own included, once per batch of
/// captures and breakpoint.
struct ChangeNotice: Equatable {
    var origin: String
    var kind: StoreChange.Kind
    var id: String
    var service: String

    init(origin: String, change: StoreChange) {
        self.origin = origin
        kind = change.kind
        id = change.id
        service = change.service
    }

    var change: StoreChange { StoreChange(kind, id: id, service: service) }

    /// How every payload of the instance `origin` begins.
    static func echoPrefix(origin: String) -> String {
        "{\"origin\":" + JSONValue.string(origin).jsonText + ","
    }

    var payload: String {
        Self.echoPrefix(origin: origin) + "\"kind\":" + JSONValue.string(kind.rawValue).jsonText
            + ",\"id\":" + JSONValue.string(id).jsonText + ",\"service\":" + JSONValue.string(service).jsonText + "}"
    }

    init?(payload: String) {
        guard case .object(let fields)? = try? JSONValue.parse(payload),
              case .string(let origin)? = fields["origin"], case .string(let kindName)? = fields["kind"],
              let kind = StoreChange.Kind(rawValue: kindName),
              case .string(let id)? = fields["id"], case .string(let service)? = fields["service"]
        else { return nil }
        self.origin = origin
        self.kind = kind
        self.id = id
        self.service = service
    }
}

/// LISTENs on a dedicated connection (a pooled one goes back to the pool
/// after each query) and announces other instances' changes on the feed.
/// A ping every `pingInterval` notices a dead connection; then it reconnects
/// (0.1 s, doubling up to 5 s) and, once listening again, announces
/// `.resync`: whatever was missed meanwhile is read back.
struct PostgresChangeListener: Sendable {
    let configuration: PostgresConnection.Configuration
    let feed: ChangeFeed
    let logger: Logger
    var pingInterval: Duration = .seconds(2)

    func run() async {
        var delay = 0.1
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: connectionID, logger: logger)
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: PostgresStore.changeChannel) { notifications in
                    delay = 0.1
                    // Listening from here on: anything committed before is read back.
                    feed.announce(StoreChange(.resync))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await consume(notifications) }
                        group.addTask { try await ping(connection) }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("change listener lost its PostgreSQL connection; reconnecting",
                               metadata: ["error": "\(PostgresStoreError.describe(error))", "retry_in_seconds": "\(delay)"])
            }
            try? await Task.sleep(for: .seconds(delay))
            delay = min(delay * 2, 5)
        }
    }

    private func consume(_ notifications: PostgresNotificationSequence) async throws {
        let echo = ChangeNotice.echoPrefix(origin: feed.instanceID)
        for try await notification in notifications where !notification.payload.hasPrefix(echo) {
            guard let notice = ChangeNotice(payload: notification.payload) else {
                logger.warning("ignored a malformed change notification")
                continue
            }
            if notice.origin != feed.instanceID { feed.announce(notice.change) }
        }
        throw ListenerEnded()
    }

    private func ping(_ connection: PostgresConnection) async throws {
        while true {
            try await Task.sleep(for: pingInterval)
            try await connection.query("SELECT 1", logger: logger)
        }
    }

    struct ListenerEnded: Error, CustomStringConvertible {
        var description: String { "the notification stream ended" }
    }
}
