import Logging
import PostgresNIO

/// Group commit for captures on PostgreSQL: concurrent captures queue up
/// (`GroupCommitQueue`) and each batch is stored in as few round trips as
/// its breakpoints allow, so commits, row locks and NOTIFYs are paid once per
/// batch rather than once per capture.
///
/// Two ways, chosen per breakpoint:
/// - unlocked (`PostgresUnlockedCaptures`): a breakpoint whose row this
///   instance has seen recently and whose captures are plainly stored
///   (no `capture_frequency`, no disabling) is written by one statement, its
///   own transaction, that checks the remembered row still holds and adds
///   the batch's counts (one round trip, no lock held across round trips);
/// - locked (here): every other breakpoint's row is locked (`FOR UPDATE`, in
///   id order, so instances never deadlock), each capture decided in arrival
///   order by `CaptureDecision` on the locked, committed row, and the
///   snapshots, the rows' new state and the NOTIFY written by one statement
///   (four round trips: BEGIN, the locking SELECT, the write, COMMIT).
/// Either way `max_captures` and `capture_frequency` hold across instances,
/// the NOTIFY is part of the writing transaction, and a capture is answered
/// only after its write committed.
enum PostgresCaptureBatch {
    /// Decides and stores `jobs`; returns their outcomes in order.
    static func ingest(_ jobs: [CaptureJob], store: PostgresStore) async throws -> [CaptureOutcome] {
        var outcomes = try await PostgresUnlockedCaptures.ingest(jobs, store: store)
        let rest = outcomes.indices.filter { outcomes[$0] == nil }
        if !rest.isEmpty {
            let (lockedOutcomes, rows) = try await store.writing(bodyNotifies: true) { connection in
                try await ingestLocked(rest.map { jobs[$0] }, on: connection, store: store)
            }
            store.captureRows.remember(rows)
            for (index, outcome) in zip(rest, lockedOutcomes) { outcomes[index] = outcome }
        }
        return outcomes.map { $0 ?? .unknownBreakpoint }
    }

    /// The locked way, inside one transaction: returns the outcomes, the rows
    /// as the batch left them (services without a kill switch only, for
    /// `captureRows`) and the changes to announce.
    private static func ingestLocked(_ jobs: [CaptureJob], on connection: PostgresConnection,
                                     store: PostgresStore) async throws -> (([CaptureOutcome], [Breakpoint]), [StoreChange]) {
        let ids = Array(Set(jobs.map(\.breakpointID))).sorted()
        var rows: [String: BatchRow] = [:]
        for row in try await store.rows("""
            SELECT b.*, COALESCE(s.kill_switch, FALSE) AS service_kill_switch
            FROM breakpoints b LEFT JOIN services s ON s.name = b.service_name
            WHERE b.id = ANY(\(ids)) ORDER BY b.id FOR UPDATE OF b
            """, on: connection) {
            let bp = try Breakpoint(postgres: row)
            rows[bp.id] = BatchRow(bp: bp, killSwitch: try row["service_kill_switch"].decode(Bool.self))
        }
        let decided = BatchDecisions(jobs, rows: rows)
        let changes = decided.announced
        try await write(decided.storedJobs, decided.changedIDs.compactMap { decided.rows[$0]?.bp },
                        notices: store.noticePayloads(changes), on: connection, store: store)
        let remembered = decided.rows.values.filter { !$0.killSwitch }.map(\.bp)
        return ((decided.outcomes, remembered), changes)
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

/// A breakpoint row as a capture batch sees it, with its service's kill switch.
struct BatchRow {
    var bp: Breakpoint
    var killSwitch: Bool
}

/// Every capture of a batch decided in arrival order by `CaptureDecision`,
/// each on the row the previous ones left (counts, last capture, enabled).
struct BatchDecisions {
    private(set) var outcomes: [CaptureOutcome] = []
    /// The rows as the batch leaves them.
    private(set) var rows: [String: BatchRow]
    /// The rows to write back, in first-change order.
    private(set) var changedIDs: [String] = []
    /// The captures to store.
    private(set) var storedJobs: [CaptureJob] = []

    init(_ jobs: [CaptureJob], rows: [String: BatchRow]) {
        self.rows = rows
        outcomes.reserveCapacity(jobs.count)
        for job in jobs { decide(job) }
    }

    private mutating func decide(_ job: CaptureJob) {
        guard let row = rows[job.breakpointID], row.bp.serviceName == job.service else {
            outcomes.append(.unknownBreakpoint)
            return
        }
        let written: Breakpoint
        switch CaptureDecision(row.bp, killSwitch: row.killSwitch, job: job) {
        case .killSwitch:
            outcomes.append(.dropped(reason: "kill_switch", changed: nil))
            return
        case .drop(let reason, let bp, let disabled):
            written = bp
            outcomes.append(.dropped(reason: reason, changed: disabled ? bp : nil))
        case .store(let bp):
            written = bp
            storedJobs.append(job)
            outcomes.append(.stored(snapshotID: job.snapshotID, breakpoint: bp))
        }
        if !changedIDs.contains(written.id) { changedIDs.append(written.id) }
        rows[written.id] = BatchRow(bp: written, killSwitch: row.killSwitch)
    }

    /// The changes SDKs and dashboards hear about, once per breakpoint: only
    /// a stored capture or a disabling drop is news.
    var announced: [StoreChange] {
        let news = Set(outcomes.compactMap { outcome -> String? in
            switch outcome {
            case .stored(_, let bp), .dropped(_, .some(let bp)): bp.id
            case .dropped, .unknownBreakpoint: nil
            }
        })
        return changedIDs.filter(news.contains).compactMap { id in
            rows[id].map { StoreChange(.breakpointUpdated, id: id, service: $0.bp.serviceName) }
        }
    }
}
