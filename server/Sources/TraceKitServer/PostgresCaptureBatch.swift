import Logging
import PostgresNIO

/// Group commit for captures on PostgreSQL: concurrent captures queue up
/// (`GroupCommitQueue`) and one transaction stores a whole batch, so the
/// commit, the row locks and the NOTIFY are paid once per batch rather than
/// once per capture.
///
/// Each batch locks its breakpoint rows (`FOR UPDATE`, in id order, so two
/// instances never deadlock), decides every capture in arrival order with
/// `CaptureDecision` on the locked, committed state, then writes the
/// snapshots in one multi-row INSERT and each breakpoint's new state in one
/// UPDATE. `max_captures` and `capture_frequency` therefore hold across
/// instances. A capture is answered only after its batch committed.
enum PostgresCaptureBatch {
    /// Decides and stores `jobs` inside one transaction; returns their
    /// outcomes (in order) and the breakpoints whose rows changed, once each.
    static func ingest(_ jobs: [CaptureJob], on connection: PostgresConnection,
                       store: PostgresStore) async throws -> ([CaptureOutcome], [StoreChange]) {
        let ids = Array(Set(jobs.map(\.breakpointID))).sorted()
        var breakpoints: [String: (bp: Breakpoint, killSwitch: Bool)] = [:]
        for row in try await store.rows("""
            SELECT b.*, COALESCE(s.kill_switch, FALSE) AS service_kill_switch
            FROM breakpoints b LEFT JOIN services s ON s.name = b.service_name
            WHERE b.id = ANY(\(ids)) ORDER BY b.id FOR UPDATE OF b
            """, on: connection) {
            let bp = try Breakpoint(postgres: row)
            breakpoints[bp.id] = (bp, try row["service_kill_switch"].decode(Bool.self))
        }

        var outcomes: [CaptureOutcome] = []
        outcomes.reserveCapacity(jobs.count)
        var stored: [CaptureJob] = []
        var changedIDs: [String] = []  // rows to write back, first-change order
        for job in jobs {
            guard let (bp, killSwitch) = breakpoints[job.breakpointID], bp.serviceName == job.service else {
                outcomes.append(.unknownBreakpoint)
                continue
            }
            let written: Breakpoint
            switch CaptureDecision(bp, killSwitch: killSwitch, job: job) {
            case .killSwitch:
                outcomes.append(.dropped(reason: "kill_switch", changed: nil))
                continue
            case .drop(let reason, let row, let disabled):
                written = row
                outcomes.append(.dropped(reason: reason, changed: disabled ? row : nil))
            case .store(let row):
                written = row
                stored.append(job)
                outcomes.append(.stored(snapshotID: job.snapshotID, breakpoint: row))
            }
            if !changedIDs.contains(written.id) { changedIDs.append(written.id) }
            breakpoints[written.id] = (written, killSwitch)
        }

        try await insertSnapshots(stored, on: connection, store: store)
        try await writeBack(changedIDs.compactMap { breakpoints[$0]?.bp }, on: connection, store: store)
        // Only a stored capture or a disabling drop is news to SDKs and dashboards.
        let announced = Set(outcomes.compactMap { outcome -> String? in
            switch outcome {
            case .stored(_, let bp), .dropped(_, .some(let bp)): bp.id
            case .dropped, .unknownBreakpoint: nil
            }
        })
        let changes = changedIDs.filter(announced.contains).compactMap { id in
            breakpoints[id].map { StoreChange(.breakpointUpdated, id: id, service: $0.bp.serviceName) }
        }
        return (outcomes, changes)
    }

    /// One multi-row INSERT (arrays unnested), whatever the batch size.
    private static func insertSnapshots(_ jobs: [CaptureJob], on connection: PostgresConnection, store: PostgresStore) async throws {
        guard !jobs.isEmpty else { return }
        try await connection.query("""
            INSERT INTO snapshots (id, breakpoint_id, service_name, captured_at, received_at, document)
            SELECT * FROM UNNEST(\(jobs.map(\.snapshotID)), \(jobs.map(\.breakpointID)), \(jobs.map(\.service)),
                                 \(jobs.map(\.capturedAt)), \(jobs.map(\.now)), \(jobs.map(\.documentText)))
            """, logger: store.logger)
    }

    /// Each changed breakpoint's final state, in one UPDATE. The rows are
    /// locked by this transaction, so writing absolute values is exact.
    private static func writeBack(_ rows: [Breakpoint], on connection: PostgresConnection, store: PostgresStore) async throws {
        guard !rows.isEmpty else { return }
        // last_capture_at is never cleared by a capture: NaN stands for "unchanged NULL".
        try await connection.query("""
            UPDATE breakpoints b SET capture_count = v.capture_count, dropped_count = v.dropped_count, enabled = v.enabled,
                updated_at = v.updated_at, last_capture_at = CASE WHEN v.last_capture_at = 'NaN' THEN b.last_capture_at ELSE v.last_capture_at END
            FROM UNNEST(\(rows.map(\.id)), \(rows.map { Int64($0.captureCount) }), \(rows.map { Int64($0.droppedCount) }),
                        \(rows.map(\.enabled)), \(rows.map(\.updatedAt)), \(rows.map { $0.lastCaptureAt ?? .nan }))
                AS v(id, capture_count, dropped_count, enabled, updated_at, last_capture_at)
            WHERE b.id = v.id
            """, logger: store.logger)
    }
}
