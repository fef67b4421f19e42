import Synchronization

/// Group commit's waiting room, shared by both stores: concurrent captures
/// queue here and one drain task hands them to a write in batches of at most
/// `maxBatch`, answering each capture only once its batch committed. Beyond
/// `maxQueued` waiting captures, new ones are refused (`StoreOverloaded`).
final class GroupCommitQueue: Sendable {
    /// Stores one batch in one transaction; returns the outcomes in order.
    typealias WriteBatch = @Sendable ([CaptureJob]) async throws -> [CaptureOutcome]

    private struct Pending {
        var job: CaptureJob
        var continuation: CheckedContinuation<CaptureOutcome, any Error>
    }
    private struct State {
        var queue: [Pending] = []
        var draining = false
    }

    private let state = Mutex(State())
    let maxQueued: Int
    private let maxBatch: Int

    init(maxBatch: Int, maxQueued: Int = 20_000) {
        self.maxBatch = maxBatch
        self.maxQueued = maxQueued
    }

    /// Every caller passes the same store's `write`; the one whose capture
    /// starts a drain serves the whole drain.
    func submit(_ job: CaptureJob, write: @escaping WriteBatch) async throws -> CaptureOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> (accepted: Bool, startDrain: Bool) in
                guard state.queue.count < maxQueued else { return (false, false) }
                state.queue.append(Pending(job: job, continuation: continuation))
                defer { state.draining = true }
                return (true, !state.draining)
            }
            if !outcome.accepted { continuation.resume(throwing: StoreOverloaded()) }
            if outcome.startDrain { Task { await self.drain(with: write) } }
        }
    }

    private func drain(with write: WriteBatch) async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await write(batch.map(\.job))
                for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
