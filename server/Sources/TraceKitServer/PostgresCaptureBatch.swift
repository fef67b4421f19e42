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
/// snapshots, each breakpoint's new state and the NOTIFY in one statement
/// (`write`). `max_captures` and `capture_frequency` therefore hold across
/// instances. A capture is answered only after its batch committed. A batch
/// costs four round trips: BEGIN, the locking SELECT, the write, COMMIT.
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
        try await write(stored, changedIDs.compactMap { breakpoints[$0]?.bp }, notices: store.noticePayloads(changes),
                        on: connection, store: store)
        return (outcomes, changes)
    }

    /// The batch's whole write in one statement, so the breakpoint rows stay
    /// locked for one round trip between the SELECT and the COMMIT: the
    /// snapshots (one multi-row INSERT from arrays), each changed
    /// breakpoint's final state (one UPDATE; the rows are locked by this
    /// transaction, so absolute values are exact) and the NOTIFY for the
    /// other instances. Data-modifying CTEs run whether or not they are
    /// referenced; empty arrays make them no-ops.
    private static func write(_ jobs: [CaptureJob], _ rows: [Breakpoint], notices: [String],
                              on connection: PostgresConnection, store: PostgresStore) async throws {
        guard !jobs.isEmpty || !rows.isEmpty || !notices.isEmpty else { return }
        // last_capture_at is never cleared by a capture: NaN stands for "unchanged NULL".
        try await connection.query("""
            WITH inserted AS (
                INSERT INTO snapshots (id, breakpoint_id, service_name, captured_at, received_at, document)
                SELECT * FROM UNNEST(\(jobs.map(\.snapshotID)), \(jobs.map(\.breakpointID)), \(jobs.map(\.service)),
                                     \(jobs.map(\.capturedAt)), \(jobs.map(\.now)), \(jobs.map(\.documentText)))
            ), updated AS (
                UPDATE breakpoints b SET capture_count = v.capture_count, dropped_count = v.dropped_count, enabled = v.enabled,
                    updated_at = v.updated_at,
                    last_capture_at = CASE WHEN v.last_capture_at = 'NaN' THEN b.last_capture_at ELSE v.last_capture_at END
                FROM UNNEST(\(rows.map(\.id)), \(rows.map { Int64($0.captureCount) }), \(rows.map { Int64($0.droppedCount) }),
                            \(rows.map(\.enabled)), \(rows.map(\.updatedAt)), \(rows.map { $0.lastCaptureAt ?? .nan }))
                    AS v(id, capture_count, dropped_count, enabled, updated_at, last_capture_at)
                WHERE b.id = v.id
            )
            SELECT pg_notify(\(PostgresStore.changeChannel), p) FROM UNNEST(\(notices)) AS p
            """, logger: store.logger)
    }
}
