import PostgresNIO
import Synchronization

/// The unlocked way of `PostgresCaptureBatch`: one statement, its own
/// transaction, stores a batch's captures of the breakpoints it can decide
/// from remembered rows (`CaptureRowCache`), with no lock held across a
/// round trip, so the two instances' batches no longer wait for each other's
/// network hops.
///
/// The remembered row is a guess. The statement locks the rows (in id order,
/// as the locked way does), checks every field the decision read still holds
/// (enabled, condition, expiry, limits, no kill switch; `capture_frequency`
/// 0) and that the batch's captures fit under `max_captures` on the current
/// count, then adds the batch's counts to the current row. The plan only
/// takes captures the remembered row stores without reaching its limit or
/// drops for their condition, and the limit is checked on the current count
/// (a remembered count may be stale), so a breakpoint that passes the check
/// would have decided each capture the same way on the locked row (an idle
/// timeout is judged on the remembered last activity, never later than the
/// real one). A breakpoint that fails it stores nothing here and its
/// captures go the locked way.
enum PostgresUnlockedCaptures {
    /// Stores what it can; returns each job's outcome, nil for the jobs left
    /// to the locked way.
    static func ingest(_ jobs: [CaptureJob], store: PostgresStore) async throws -> [CaptureOutcome?] {
        let plan = Plan(jobs, remembered: store.captureRows.rows(for: Set(jobs.map(\.breakpointID))))
        var outcomes = [CaptureOutcome?](repeating: nil, count: jobs.count)
        guard !plan.breakpoints.isEmpty else { return outcomes }
        let written = try await write(plan, store: store)
        store.captureRows.forget(plan.breakpoints.map(\.expected.id).filter { written[$0] == nil })
        store.captureRows.remember(written.values)
        for index in plan.jobIndexes {
            guard let bp = written[jobs[index].breakpointID] else { continue }
            outcomes[index] = plan.decided[index].isStored
                ? .stored(snapshotID: jobs[index].snapshotID, breakpoint: bp)
                : .dropped(reason: "condition_false", changed: nil)
        }
        for change in plan.announced where written[change.id] != nil { store.changes.announce(change) }
        return outcomes
    }

    /// The statement; returns the rows it changed, by id (a breakpoint
    /// missing here failed the check and stored nothing): the remembered row
    /// with the counters, flags and times the statement left. Its other
    /// fields are as remembered (the decisions read only those it checked).
    private static func write(_ plan: Plan, store: PostgresStore) async throws -> [String: Breakpoint] {
        let statement = Statement(plan: plan, notices: store.noticePayloads(plan.announced))
        let expected = Dictionary(plan.breakpoints.map { ($0.expected.id, $0.expected) }, uniquingKeysWith: { first, _ in first })
        var written: [String: Breakpoint] = [:]
        for try await (id, captureCount, droppedCount, enabled, lastCaptureAt, updatedAt)
            in try await store.client.execute(statement, logger: store.logger) {
            guard var bp = expected[id] else { continue }
            bp.captureCount = Int(captureCount)
            bp.droppedCount = Int(droppedCount)
            bp.enabled = enabled
            bp.lastCaptureAt = lastCaptureAt
            bp.updatedAt = updatedAt
            written[id] = bp
        }
        return written
    }

    /// A prepared statement (parsed and planned once per connection: this
    /// one costs more to plan than to run).
    struct Statement: PostgresPreparedStatement {
        /// id, capture_count, dropped_count, enabled, last_capture_at, updated_at.
        typealias Row = (String, Int64, Int64, Bool, Double?, Double)

        static let name = "tracekit_unlocked_captures"
        // NULL in an array bind is not expressible here: NaN and -1 stand for NULL.
        static let sql = """
            WITH locked AS MATERIALIZED (
                SELECT id FROM breakpoints WHERE id = ANY($1) ORDER BY id FOR UPDATE
            ), updated AS (
                UPDATE breakpoints b SET
                    capture_count = b.capture_count + v.stored,
                    dropped_count = b.dropped_count + v.dropped,
                    last_capture_at = CASE WHEN v.stored > 0 THEN v.last_now ELSE b.last_capture_at END,
                    updated_at = CASE WHEN v.stored > 0 THEN v.last_now ELSE b.updated_at END,
                    enabled = NOT (b.max_captures > 0 AND b.capture_count + v.stored >= b.max_captures)
                FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[], $5::DOUBLE PRECISION[], $6::BOOLEAN[],
                            $7::TEXT[], $8::TEXT[], $9::DOUBLE PRECISION[], $10::BIGINT[], $11::BIGINT[])
                    AS v(id, service_name, stored, dropped, last_now, has_condition, condition, condition_eval,
                         expire_at, max_captures, idle_timeout_hours)
                WHERE b.id = v.id AND b.id IN (SELECT id FROM locked)
                    AND b.enabled AND b.capture_frequency = 0 AND b.service_name = v.service_name
                    AND b.condition IS NOT DISTINCT FROM (CASE WHEN v.has_condition THEN v.condition END)
                    AND b.condition_eval = v.condition_eval
                    AND b.expire_at IS NOT DISTINCT FROM NULLIF(v.expire_at, 'NaN')
                    AND b.idle_timeout_hours IS NOT DISTINCT FROM NULLIF(v.idle_timeout_hours, -1)
                    AND b.max_captures = v.max_captures
                    -- room for every stored capture, and one more when a capture was dropped:
                    -- then the limit was not reached before that drop either
                    AND (b.max_captures = 0
                         OR b.capture_count + v.stored + CASE WHEN v.dropped > 0 THEN 1 ELSE 0 END <= b.max_captures)
                    AND NOT EXISTS (SELECT 1 FROM services s WHERE s.name = b.service_name AND s.kill_switch)
                RETURNING b.id, b.capture_count, b.dropped_count, b.enabled, b.last_capture_at, b.updated_at
            ), inserted AS (
                INSERT INTO snapshots (id, breakpoint_id, service_name, captured_at, received_at, document)
                SELECT * FROM UNNEST($12::TEXT[], $13::TEXT[], $14::TEXT[], $15::DOUBLE PRECISION[], $16::DOUBLE PRECISION[],
                                     $17::TEXT[])
                    AS j(id, breakpoint_id, service_name, captured_at, received_at, document)
                WHERE j.breakpoint_id IN (SELECT id FROM updated)
            )
            SELECT u.id, u.capture_count, u.dropped_count, u.enabled, u.last_capture_at, u.updated_at,
                   (SELECT count(pg_notify($18, n.payload)) FROM UNNEST($19::TEXT[], $20::TEXT[]) AS n(id, payload)
                         WHERE n.id IN (SELECT id FROM updated)) AS notified
            FROM updated u
            """

        let plan: Plan
        let notices: [String]

        func makeBindings() throws -> PostgresBindings {
            let rows = plan.breakpoints, stored = plan.storedJobs
            var binds = PostgresBindings(capacity: 20)
            binds.append(rows.map(\.expected.id))
            binds.append(rows.map(\.expected.serviceName))
            binds.append(rows.map(\.stored))
            binds.append(rows.map(\.dropped))
            binds.append(rows.map(\.lastNow))
            binds.append(rows.map { $0.expected.condition != nil })
            binds.append(rows.map { $0.expected.condition ?? "" })
            binds.append(rows.map(\.expected.conditionEval.rawValue))
            binds.append(rows.map { $0.expected.expireAt ?? .nan })
            binds.append(rows.map { Int64($0.expected.maxCaptures) })
            binds.append(rows.map { Int64($0.expected.idleTimeoutHours ?? -1) })
            binds.append(stored.map(\.snapshotID))
            binds.append(stored.map(\.breakpointID))
            binds.append(stored.map(\.service))
            binds.append(stored.map(\.capturedAt))
            binds.append(stored.map(\.now))
            binds.append(stored.map(\.documentText))
            binds.append(PostgresStore.changeChannel)
            binds.append(plan.announced.map(\.id))
            binds.append(notices)
            return binds
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (id, captureCount, droppedCount, enabled, lastCaptureAt, updatedAt, _)
                = try row.decode((String, Int64, Int64, Bool, Double?, Double, Int64).self)
            return (id, captureCount, droppedCount, enabled, lastCaptureAt, updatedAt)
        }
    }

    /// Which captures of a batch the unlocked statement takes, and what it
    /// writes for each breakpoint.
    struct Plan {
        struct Counts {
            /// The remembered row the decisions were made on.
            var expected: Breakpoint
            var stored: Int64 = 0
            var dropped: Int64 = 0
            /// The `now` of the last stored capture (its last_capture_at and updated_at).
            var lastNow: Double = 0
        }

        /// One per breakpoint, in first-capture order.
        private(set) var breakpoints: [Counts] = []
        /// The batch's jobs this plan takes (indexes into the batch).
        private(set) var jobIndexes: [Int] = []
        /// Every job's decision on the remembered rows (only those in `jobIndexes` count).
        let decided: [CaptureOutcome]
        private(set) var storedJobs: [CaptureJob] = []
        private(set) var announced: [StoreChange] = []

        init(_ jobs: [CaptureJob], remembered: [String: Breakpoint]) {
            decided = BatchDecisions(jobs, rows: remembered.mapValues { BatchRow(bp: $0, killSwitch: false) }).outcomes
            // A breakpoint qualifies when each of its captures is stored without
            // disabling it, or dropped by its condition; anything else (frequency,
            // expiry, limit, disabled, unknown) is decided on the locked row.
            var qualifies = Set(remembered.values.filter { $0.captureFrequency == 0 }.map(\.id))
            for (job, outcome) in zip(jobs, decided) {
                switch outcome {
                case .stored(_, let bp) where bp.enabled: continue
                case .dropped("condition_false", nil): continue
                default: qualifies.remove(job.breakpointID)
                }
            }
            var position: [String: Int] = [:]
            for (index, job) in jobs.enumerated() {
                guard qualifies.contains(job.breakpointID), let expected = remembered[job.breakpointID] else { continue }
                if position[job.breakpointID] == nil {
                    position[job.breakpointID] = breakpoints.count
                    breakpoints.append(Counts(expected: expected))
                }
                let slot = position[job.breakpointID] ?? 0
                jobIndexes.append(index)
                if decided[index].isStored {
                    breakpoints[slot].stored += 1
                    breakpoints[slot].lastNow = job.now
                    storedJobs.append(job)
                } else {
                    breakpoints[slot].dropped += 1
                }
            }
            announced = breakpoints.filter { $0.stored > 0 }
                .map { StoreChange(.breakpointUpdated, id: $0.expected.id, service: $0.expected.serviceName) }
        }
    }
}

extension CaptureOutcome {
    var isStored: Bool {
        if case .stored = self { true } else { false }
    }
}

/// The breakpoint rows this instance's capture batches last read or wrote
/// (services without a kill switch only), for deciding the next batch
/// without a lock: `PostgresUnlockedCaptures` checks them in the database
/// before trusting them. Bounded: past `limit` rows it starts over.
final class CaptureRowCache: Sendable {
    private let rows = Mutex<[String: Breakpoint]>([:])
    private let limit: Int

    init(limit: Int = 10_000) {
        self.limit = limit
    }

    func rows(for ids: Set<String>) -> [String: Breakpoint] {
        rows.withLock { rows in
            var found: [String: Breakpoint] = [:]
            for id in ids { found[id] = rows[id] }
            return found
        }
    }

    func remember(_ breakpoints: some Sequence<Breakpoint>) {
        rows.withLock { rows in
            for bp in breakpoints {
                if rows.count >= limit, rows[bp.id] == nil { rows.removeAll(keepingCapacity: true) }
                rows[bp.id] = bp
            }
        }
    }

    func forget(_ ids: [String]) {
        rows.withLock { rows in for id in ids { rows[id] = nil } }
    }
}
