import Foundation
import Logging

/// Where the data lives, from `--database` / `TRACEKIT_SERVER_DATABASE`:
/// a plain path or `sqlite://path` (SQLite, the default), or
/// `postgres://user:password@host:port/database` (also `postgresql://`).
/// The password is only ever shown redacted (`description`).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public init(_ text: String) throws(StoreLocationError) {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw StoreLocationError(message: "sqlite:// needs a file path") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(text))
        } else if text.contains("://") {
            throw StoreLocationError(message: "unknown database scheme in '\(Self.redacted(text))' (use a path, sqlite:// or postgres://)")
        } else {
            guard !text.isEmpty else { throw StoreLocationError(message: "the database path is empty") }
            self = .sqlite(path: text)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }

    /// `text` with any password between `//user:` and `@` replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}

public struct StoreLocationError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A parsed `postgres://` URL. `description` never shows the password.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `?sslmode=disable|prefer|require` (default prefer, as libpq).
    public var sslMode: String

    init(_ text: String) throws(StoreLocationError) {
        let redacted = StoreLocation.redacted(text)
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw StoreLocationError(message: "cannot read the PostgreSQL URL '\(redacted)' (postgres://user:password@host:port/database)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreLocationError(message: "the PostgreSQL URL '\(redacted)' names no user")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw StoreLocationError(message: "the PostgreSQL URL '\(redacted)' names no database") }
        self.host = host
        port = components.port ?? 5432
        username = user
        password = components.password?.removingPercentEncoding ?? components.password
        self.database = database.removingPercentEncoding ?? database
        sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw StoreLocationError(message: "sslmode must be disable, prefer or require")
        }
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }
}

extension StoreLocation {
    /// Opens (creating and migrating when needed) the store at this location.
    public func open(logger: Logger) async throws -> any ServerStore {
        switch self {
        case .sqlite(let path): try SQLiteStore(path: path)
        case .postgres(let location): try await PostgresStore(location, logger: logger)
        }
    }
}
