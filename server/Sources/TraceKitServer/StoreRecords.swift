import Foundation
import TraceKitCore

// The values the store interface (`ServerStore`) takes and returns.

/// An API key as stored: only the SHA-256 of the secret is kept.
public struct APIKeyRecord: Sendable, Equatable {
    public enum Role: String, Sendable { case admin, sdk }
    public var id: String
    public var name: String
    /// The first characters of the secret, to recognise a key in a list.
    public var prefix: String
    public var role: Role
    /// Services an SDK key may report for; nil = all.
    public var services: [String]?
    public var createdAt: Double
    public var revokedAt: Double?

    public func allows(service: String) -> Bool {
        role == .admin || services == nil || services?.contains(service) == true
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "prefix": .string(prefix), "role": .string(role.rawValue),
            "services": services.map { .array($0.map { .string($0) }) } ?? .null,
            "created_at": .string(Timestamps.format(createdAt)),
        ]
        o["revoked_at"] = revokedAt.map { .string(Timestamps.format($0)) } ?? .null
        return .object(o)
    }
}

/// A service is known once an SDK has talked to the server for it or a
/// breakpoint was created for it; it carries the kill switch.
public struct ServiceRecord: Sendable, Equatable {
    public var name: String
    public var killSwitch: Bool
    public var createdAt: Double
    public var lastSeenAt: Double
}

/// The code index behind "Browse Code": per service, every (file, namespace,
/// function, line) that traces revealed, with first/last seen and a hit count.
public struct CodeIndexRow: Sendable, Equatable {
    public var location: CodeLocation
    public var firstSeenAt: Double
    public var lastSeenAt: Double
    public var hitCount: Int
}

public struct CodeIndexSummary: Sendable, Equatable {
    public var service: String
    public var files: Int
    public var locations: Int
    public var hits: Int
}

/// What happened to one capture.
public enum CaptureOutcome: Sendable, Equatable {
    /// Stored; `breakpoint` is the updated row (count incremented, maybe disabled).
    case stored(snapshotID: String, breakpoint: Breakpoint)
    /// Counted and dropped; `changed` is set when the breakpoint row changed in
    /// a way SDKs must hear about (it was just disabled).
    case dropped(reason: String, changed: Breakpoint?)
    case unknownBreakpoint
}

public struct SnapshotQuery: Sendable {
    public var service: String?
    public var breakpointID: String?
    /// Bounds on captured_at, seconds since the epoch.
    public var since: Double?
    public var until: Double?
    public var limit = 50
    /// Return snapshots older than this cursor (an opaque sequence number).
    public var before: Int64?
    public init() {}
}

public struct SnapshotPage: Sendable {
    public var snapshots: [JSONValue]
    public var nextCursor: String?
}

/// One capture waiting to be written.
public struct CaptureJob: Sendable {
    public var service: String
    public var breakpointID: String
    /// The snapshot as stored (JSON text, already carrying `id` and `received_at`).
    public var snapshotID: String
    public var documentText: String
    public var capturedAt: Double
    public var now: Double
    /// The breakpoint's server-side condition on this capture (pure, bounded).
    public var conditionHolds: @Sendable (Breakpoint) -> Bool
}
