import GRDB
import Synchronization

/// Writes captures with group commit: concurrent captures queue up and one
/// writer transaction stores a whole batch, so the SQLite commit and the hop
/// to GRDB's writer are paid once per batch rather than once per capture.
/// Each capture is still decided on its own, in arrival order, with the
/// breakpoint state left by the previous ones (atomic `capture_count`).
final class CaptureBatcher: Sendable {
    private let pool: DatabasePool
    private let changes: ChangeFeed
    private let counts: CountAnnouncements
    private let queue = GroupCommitQueue(maxBatch: 256)
    /// The breakpoint and kill-switch rows the last batch left, with the
    /// writer's mark after it: the next batch starts from them when the mark
    /// did not move (nobody else wrote), instead of reading them again.
    private let carried = Mutex<(rows: BatchRows.Known, mark: WriterMark)?>(nil)

    init(pool: DatabasePool, changes: ChangeFeed) {
        self.pool = pool
        self.changes = changes
        self.counts = CountAnnouncements(changes: changes)
    }

    func submit(_ job: CaptureJob) async throws -> CaptureOutcome {
        try await queue.submit(job) { jobs, completion in
            self.pool.asyncWrite({ db in try self.ingest(db, jobs) }, completion: { _, result in
                // On GRDB's writer queue, right after the commit (or rollback).
                switch result {
                case .success(let outcomes):
                    self.announce(outcomes)
                case .failure:
                    // Rolled back: the rows the batch left are not the database's.
                    self.carried.withLock { $0 = nil }
                }
                completion(result)
            })
        }
    }

    /// A stored capture changed its breakpoint's count (announced at most
    /// every 250 ms, see `CountAnnouncements`) or disabled it (at once); a
    /// dropped one matters only when it disabled the breakpoint.
    private func announce(_ outcomes: [CaptureOutcome]) {
        for outcome in outcomes {
            switch outcome {
            case .stored(_, let bp) where bp.enabled:
                counts.countChanged(bp)
            case .stored(_, let bp), .dropped(_, .some(let bp)):
                changes.announce(StoreChange(.breakpointUpdated, id: bp.id, service: bp.serviceName))
            case .dropped, .unknownBreakpoint:
                break
            }
        }
    }

    /// Decides and stores a batch inside one writer transaction, in arrival
    /// order. Each breakpoint and kill switch the batch touches is read once
    /// and each changed breakpoint written once at the end: inside the writer
    /// transaction nobody else changes them, so the in-memory rows are exact.
    private func ingest(_ db: Database, _ jobs: [CaptureJob]) throws -> [CaptureOutcome] {
        let mark = try WriterMark(db)
        let known = carried.withLock { carried in carried.flatMap { $0.mark == mark ? $0.rows : nil } }
        var rows = BatchRows(db, known: known ?? .init())
        let outcomes = try jobs.map { job in try Self.ingest(db, job, rows: &rows) }
        try rows.writeBack()
        let after = try WriterMark(db)
        // Bounded: captures naming unknown breakpoints are remembered too.
        carried.withLock { $0 = rows.known.breakpoints.count <= 10_000 ? (rows.known, after) : nil }
        return outcomes
    }

    /// Decides and stores one capture against the batch's rows.
    private static func ingest(_ db: Database, _ job: CaptureJob, rows: inout BatchRows) throws -> CaptureOutcome {
        guard let bp = try rows.breakpoint(job.breakpointID), bp.serviceName == job.service else { return .unknownBreakpoint }
        switch CaptureDecision(bp, killSwitch: try rows.killSwitch(job.service), job: job) {
        case .killSwitch:
            return .dropped(reason: "kill_switch", changed: nil)
        case .drop(let reason, let written, let disabled):
            rows.changed(written)
            return .dropped(reason: reason, changed: disabled ? written : nil)
        case .store(let written):
            try db.cachedStatement(sql: """
                INSERT INTO snapshots (id, breakpoint_id, service_name, captured_at, received_at, document) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [job.snapshotID, written.id, written.serviceName, job.capturedAt, job.now, job.documentText])
            rows.changed(written)
            return .stored(snapshotID: job.snapshotID, breakpoint: written)
        }
    }
}

/// What the writer connection's database looked like at one moment: other
/// connections' commits move `PRAGMA data_version`, this connection's own
/// writes (any transaction, committed or not) move its total change count.
/// Equal marks: nobody wrote in between.
struct WriterMark: Equatable {
    var dataVersion: Int
    var totalChanges: Int

    init(_ db: Database) throws {
        dataVersion = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        totalChanges = db.totalChangesCount
    }
}

/// The breakpoint and service rows one capture batch reads and changes,
/// read on first use (or carried from the previous batch) and written back
/// once (not once per capture).
struct BatchRows {
    /// Rows as committed (or as this batch will commit them).
    struct Known: Sendable {
        var breakpoints: [String: Breakpoint?] = [:]
        var killSwitches: [String: Bool] = [:]
    }

    let db: Database
    private(set) var known: Known
    private var changedIDs: [String] = []

    init(_ db: Database, known: Known) {
        self.db = db
        self.known = known
    }

    mutating func breakpoint(_ id: String) throws -> Breakpoint? {
        if let row = known.breakpoints[id] { return row }
        let bp = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM breakpoints WHERE id = ?"), arguments: [id])
            .map(Breakpoint.init(row:))
        known.breakpoints[id] = .some(bp)
        return bp
    }

    mutating func killSwitch(_ service: String) throws -> Bool {
        if let on = known.killSwitches[service] { return on }
        let on = try Bool.fetchOne(db.cachedStatement(sql: "SELECT kill_switch FROM services WHERE name = ?"), arguments: [service]) == true
        known.killSwitches[service] = on
        return on
    }

    mutating func changed(_ bp: Breakpoint) {
        if !changedIDs.contains(bp.id) { changedIDs.append(bp.id) }
        known.breakpoints[bp.id] = .some(bp)
    }

    /// The counters, enabled flag and timestamps of every breakpoint the batch changed.
    func writeBack() throws {
        for id in changedIDs {
            guard case .some(.some(let bp)) = known.breakpoints[id] else { continue }
            try db.cachedStatement(sql: """
                UPDATE breakpoints SET capture_count = ?, dropped_count = ?, last_capture_at = ?, updated_at = ?, enabled = ? WHERE id = ?
                """).execute(arguments: [bp.captureCount, bp.droppedCount, bp.lastCaptureAt, bp.updatedAt, bp.enabled, bp.id])
        }
    }
}

/// The decision on one capture, given the breakpoint as it is in the
/// database (read inside the writing transaction, so concurrent captures
/// see each other's counts): store it, or count it as dropped. Both stores
/// apply it; `written` is the breakpoint row as it must be after the write.
enum CaptureDecision {
    case killSwitch
    case drop(reason: String, written: Breakpoint, disabled: Bool)
    case store(written: Breakpoint)

    init(_ bp: Breakpoint, killSwitch: Bool, job: CaptureJob) {
        let now = job.now
        var bp = bp
        func drop(_ reason: String, disable: Bool = false) -> CaptureDecision {
            bp.droppedCount &+= 1
            if disable { bp.enabled = false; bp.updatedAt = now }
            return .drop(reason: reason, written: bp, disabled: disable)
        }
        if killSwitch { self = .killSwitch; return }
        guard bp.enabled else { self = drop("breakpoint_disabled"); return }
        if bp.isExpired(at: now) { self = drop("breakpoint_expired", disable: true); return }
        if bp.limitReached { self = drop("max_captures_reached", disable: true); return }
        guard job.conditionHolds(bp) else { self = drop("condition_false"); return }
        if bp.captureFrequency > 0, let last = bp.lastCaptureAt, now - last < Double(bp.captureFrequency) {
            self = drop("capture_frequency"); return
        }
        bp.captureCount &+= 1
        bp.lastCaptureAt = now
        bp.updatedAt = now
        if bp.limitReached { bp.enabled = false }
        self = .store(written: bp)
    }
}

extension SQLiteStore {
    /// Group-committed (see `CaptureBatcher`). Throws `StoreOverloaded`
    /// when too many captures are already queued.
    public func ingest(_ job: CaptureJob) async throws -> CaptureOutcome {
        try await captureBatcher.submit(job)
    }
}
