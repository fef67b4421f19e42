import Synchronization

/// Group commit's waiting room, shared by both stores: concurrent captures
/// queue here and are handed to a write in batches of at most `maxBatch`,
/// each capture answered only once its batch committed. Beyond `maxQueued`
/// waiting captures, new ones are refused (`StoreOverloaded`).
///
/// One batch is written at a time. The write reports back through a
/// completion (`submit(_:writeThen:)`), which answers the batch's captures
/// and starts the next batch from wherever the write finished (SQLite: on
/// the database's writer queue), with no task hop in between.
final class GroupCommitQueue: Sendable {
    /// Stores one batch in one transaction; returns the outcomes in order.
    typealias WriteBatch = @Sendable ([CaptureJob]) async throws -> [CaptureOutcome]
    /// Stores one batch in one transaction and calls the completion once with
    /// the outcomes in order (or the error), from any thread.
    typealias WriteBatchThen = @Sendable ([CaptureJob], @escaping @Sendable (Result<[CaptureOutcome], any Error>) -> Void) -> Void

    private struct Pending {
        var job: CaptureJob
        var continuation: CheckedContinuation<CaptureOutcome, any Error>
    }
    private struct State {
        var queue: [Pending] = []
        var writing = false
    }

    private let state = Mutex(State())
    let maxQueued: Int
    private let maxBatch: Int

    init(maxBatch: Int, maxQueued: Int = 20_000) {
        self.maxBatch = maxBatch
        self.maxQueued = maxQueued
    }

    /// Every caller passes the same store's `write`.
    func submit(_ job: CaptureJob, write: @escaping WriteBatch) async throws -> CaptureOutcome {
        try await submit(job) { jobs, completion in
            Task {
                do { completion(.success(try await write(jobs))) } catch { completion(.failure(error)) }
            }
        }
    }

    /// Every caller passes the same store's `writeThen`; the capture that
    /// finds no batch being written starts one.
    func submit(_ job: CaptureJob, writeThen: @escaping WriteBatchThen) async throws -> CaptureOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> (accepted: Bool, startWriting: Bool) in
                guard state.queue.count < maxQueued else { return (false, false) }
                state.queue.append(Pending(job: job, continuation: continuation))
                defer { state.writing = true }
                return (true, !state.writing)
            }
            if !outcome.accepted { continuation.resume(throwing: StoreOverloaded()) }
            if outcome.startWriting { writeNextBatch(writeThen) }
        }
    }

    /// Writes the next batch, then answers it and goes on with the one after,
    /// until the queue is empty.
    private func writeNextBatch(_ writeThen: @escaping WriteBatchThen) {
        let batch = state.withLock { state -> [Pending] in
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            if batch.isEmpty { state.writing = false }
            return batch
        }
        if batch.isEmpty { return }
        writeThen(batch.map(\.job)) { result in
            switch result {
            case .success(let outcomes):
                for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(returning: outcome) }
            case .failure(let error):
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
            self.writeNextBatch(writeThen)
        }
    }
}
