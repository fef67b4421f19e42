import Foundation
import NIOPosix
import Synchronization

/// Runs CPU-heavy request work (inflating, decoding and scanning trace
/// exports) at most `slots` at a time and off the event loops, so a flood of
/// large posts leaves threads free for every other request (health checks,
/// captures, the dashboard). Waiting requests are suspended, not blocking a
/// thread; beyond `maxWaiting` of them the answer is 429 with Retry-After.
final class CPUWorkLimiter: Sendable {
    private struct State {
        var running = 0
        /// Resumed with `false` (not refused) when a slot passes to them.
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())
    let slots: Int
    let maxWaiting: Int

    /// Default: one slot fewer than the cores (at least one).
    init(slots: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1), maxWaiting: Int = 64) {
        self.slots = max(1, slots)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Runs `work` once a slot is free, on NIO's blocking thread pool: tasks
    /// may run on the event loops (see `tracekit-server`'s ServerCommand), and
    /// a long decode there would stall every connection of that loop. Throws
    /// a 429 `APIError` when too many requests already wait.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }

    private func acquire() async throws {
        enum Admission { case granted, wait, refused }
        // Decided and enqueued under one lock hold, so a release cannot slip between.
        let refused = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let admission = state.withLock { state -> Admission in
                if state.running < slots {
                    state.running += 1
                    return .granted
                }
                guard state.waiting.count < maxWaiting else { return .refused }
                state.waiting.append(continuation)
                return .wait
            }
            switch admission {
            case .granted: continuation.resume(returning: false)
            case .refused: continuation.resume(returning: true)
            case .wait: break
            }
        }
        if refused { throw APIError(.tooManyRequests, "overloaded", "too many requests are being processed; retry later") }
    }

    private func release() {
        // The slot passes straight to the oldest waiter (running stays the same).
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: false)
    }
}
