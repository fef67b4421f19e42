import Foundation
import TraceKitCore

/// The server's storage, whatever the database: routes, the SSE hub helpers
/// and the maintenance sweep hold an `any ServerStore`. Two implementations:
/// `SQLiteStore` (GRDB, one file, the default) and `PostgresStore`
/// (PostgresNIO, shared by several instances). Both keep the same tables and
/// apply the same named migrations once, in order. Every statement is
/// parameterised. Every committed change of breakpoints, kill switches, keys
/// and sessions is announced on `changes` (after the commit, never for a
/// rolled-back transaction; on PostgreSQL to every instance).
public protocol ServerStore: Sendable {
    /// The committed changes, consumed by `ChangePublisher`.
    var changes: ChangeFeed { get }

    // Breakpoints
    func breakpoints(service: String?) async throws -> [Breakpoint]
    func breakpoint(id: String) async throws -> Breakpoint?
    @discardableResult func insert(_ bp: Breakpoint) async throws -> Breakpoint
    @discardableResult func update(_ bp: Breakpoint) async throws -> Breakpoint
    func deleteBreakpoint(id: String) async throws -> Breakpoint?
    /// Idempotent per (service, function, label): the existing breakpoint,
    /// its file and line updated when the code moved, or a new one made from
    /// `defaults`. `changed`: created or moved (announced).
    func autoRegister(
        service: String, filePath: String, lineNumber: Int, functionName: String, label: String,
        defaults: AutoRegisterDefaults, now: Double
    ) async throws -> (breakpoint: Breakpoint, created: Bool, changed: Bool)
    /// Disables enabled breakpoints that expired (expire_at or idle timeout)
    /// and returns them (each is announced).
    func disableExpiredBreakpoints(now: Double) async throws -> [Breakpoint]

    // Captures and snapshots
    /// Decides and stores one capture atomically: never more than
    /// `max_captures` stored, `capture_frequency` respected, whatever races.
    func ingest(_ job: CaptureJob) async throws -> CaptureOutcome
    /// Newest first, paged by an opaque cursor.
    func snapshots(_ query: SnapshotQuery) async throws -> SnapshotPage
    func snapshot(id: String) async throws -> JSONValue?
    /// False when no snapshot has this id.
    func deleteSnapshot(id: String) async throws -> Bool
    /// Deletes the snapshots of a service and/or breakpoint in batches
    /// (one transaction each); returns how many were deleted.
    func deleteSnapshots(service: String?, breakpointID: String?, batchSize: Int) async throws -> Int
    func snapshotCount() async throws -> Int
    /// Deletes snapshots older than `maxAge` seconds and beyond the newest
    /// `maxCount` (0 disables either rule); SDK events are capped the same
    /// way. Returns how many snapshots were deleted.
    @discardableResult
    func applyRetention(maxAge: Int, maxCount: Int, now: Double, batchSize: Int) async throws -> Int
    /// Telemetry events an SDK posted with its poll (e.g. circuit-breaker trips).
    func recordEvents(service: String, events: [JSONValue], now: Double) async throws
    func events(service: String) async throws -> [JSONValue]

    // Services
    /// Records that an SDK of `name` was seen, and returns its kill switch.
    func touchService(_ name: String, now: Double) async throws -> Bool
    func services() async throws -> [ServiceRecord]
    func service(_ name: String) async throws -> ServiceRecord?
    /// Sets the kill switch; nil when the service is unknown.
    func setKillSwitch(_ name: String, enabled: Bool) async throws -> ServiceRecord?

    // API keys
    /// Stores a key record with the SHA-256 of its secret (see `createKey`).
    func insertKey(_ record: APIKeyRecord, keyHash: String) async throws
    func keys() async throws -> [APIKeyRecord]
    func keyCount() async throws -> Int
    /// The live (not revoked) key with this hash.
    func key(hash: String) async throws -> APIKeyRecord?
    /// Revokes a key; nil when no such key exists.
    func revokeKey(id: String, now: Double) async throws -> APIKeyRecord?
    /// Whether the stored key `id` exists and is not revoked.
    func isKeyActive(id: String) async throws -> Bool

    // Dashboard sessions (only the SHA-256 of each token is stored)
    /// Stores a new session; drops expired ones and keeps at most `capacity` (newest).
    func saveSession(tokenHash: String, keyID: String, createdAt: Double, expiredBefore: Double, capacity: Int) async throws
    /// The key and start of a stored session created at or after `notBefore`
    /// whose key is still active; nil otherwise.
    func storedSession(tokenHash: String, notBefore: Double) async throws -> (key: APIKeyRecord, createdAt: Double)?
    func deleteSession(tokenHash: String) async throws

    // Connected SDKs, summed over instances (see `FleetConnections`)
    /// Replaces `instance`'s report with `counts` (services with open SDK
    /// streams) and deletes every report older than `forgetBefore`.
    func reportConnections(instance: String, counts: [String: Int], now: Double, forgetBefore: Double) async throws
    /// Per service, the streams reported since `reportedSince` by every instance but `instance`.
    func connectionCounts(reportedSince: Double, excluding instance: String) async throws -> [String: Int]

    // Code index and dashboard
    /// Adds one export's locations (with their occurrence counts) in one
    /// transaction, and marks each service as seen.
    func recordCodeLocations(_ counts: [String: [CodeLocation: Int]], now: Double) async throws
    /// Every indexed location of `service`, ordered by file, namespace, function, line.
    func codeLocations(service: String) async throws -> [CodeIndexRow]
    /// Services with indexed code: name, distinct files, locations and hits.
    func codeIndexSummary() async throws -> [CodeIndexSummary]
    /// Cheap change markers for the dashboard's live stream: the newest
    /// snapshot sequence number and the code index's size and total hits.
    func dashboardMarkers() async throws -> (latestSnapshot: Int64, codeLocations: Int, codeHits: Int)

    // Export and import (see `StoreDump`)
    /// Streams every row of `table` in its export order, values in column
    /// order, to `row`; returns how many rows were read.
    func exportRows(of table: StoreDump.Table, _ row: ([StoreDump.Value?]) throws -> Void) async throws -> Int
    /// Inserts rows (values in column order) in one transaction.
    func importRows(_ rows: [[StoreDump.Value?]], into table: StoreDump.Table) async throws
}

/// Rows kept per service in the code index; new locations beyond it are
/// ignored (existing ones still count hits), so a service emitting random
/// paths cannot grow the database without bound.
public let maxCodeLocationsPerService = 20_000

extension ServerStore {
    /// What an SDK should act on: enabled, not expired, limit not reached.
    public func activeBreakpoints(service: String, now: Double) async throws -> [Breakpoint] {
        try await breakpoints(service: service).filter { $0.enabled && !$0.isExpired(at: now) && !$0.limitReached }
    }

    /// Creates a key and returns the record with the secret, which is shown
    /// once and never stored.
    public func createKey(name: String, role: APIKeyRecord.Role, services: [String]?, now: Double) async throws -> (APIKeyRecord, secret: String) {
        let secret = StoreIDs.newSecret()
        let record = APIKeyRecord(
            id: StoreIDs.newID(), name: name, prefix: String(secret.prefix(10)), role: role, services: services,
            createdAt: now, revokedAt: nil)
        try await insertKey(record, keyHash: SHA256.hexDigest(secret))
        return (record, secret)
    }

    /// Stores one capture (see `ingest`). `body` is the capture's JSON
    /// object as received (already validated, see `CaptureInput`); the stored
    /// document is that text with `id` and `received_at` added (see
    /// `CaptureDocument`), not a re-encoding of it.
    public func ingestCapture(
        service: String, breakpointID: String, body: String, capturedAt: Double, now: Double,
        conditionHolds: @escaping @Sendable (Breakpoint) -> Bool
    ) async throws -> CaptureOutcome {
        let snapshotID = StoreIDs.newID()
        return try await ingest(CaptureJob(
            service: service, breakpointID: breakpointID, snapshotID: snapshotID,
            documentText: CaptureDocument.text(body: body, id: snapshotID, receivedAt: Timestamps.format(now)),
            capturedAt: capturedAt, now: now, conditionHolds: conditionHolds))
    }

    /// `ingestCapture(body:)` for a document built in code.
    public func ingestCapture(
        service: String, breakpointID: String, document: [String: JSONValue], capturedAt: Double, now: Double,
        conditionHolds: @escaping @Sendable (Breakpoint) -> Bool
    ) async throws -> CaptureOutcome {
        try await ingestCapture(service: service, breakpointID: breakpointID, body: JSONValue.object(document).jsonText,
                                capturedAt: capturedAt, now: now, conditionHolds: conditionHolds)
    }

    public func deleteSnapshots(service: String?, breakpointID: String?) async throws -> Int {
        try await deleteSnapshots(service: service, breakpointID: breakpointID, batchSize: 5_000)
    }

    @discardableResult
    public func applyRetention(maxAge: Int, maxCount: Int, now: Double) async throws -> Int {
        try await applyRetention(maxAge: maxAge, maxCount: maxCount, now: now, batchSize: 5_000)
    }
}

/// Thrown by `ingest` when too many captures are already waiting (answered 429 with Retry-After).
public struct StoreOverloaded: Error {}
