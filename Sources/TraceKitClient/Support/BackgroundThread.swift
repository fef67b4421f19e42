import CTraceKitSupport
import Glibc
import TraceKitCore

/// A plain pthread running a closure: the library's background work stays
/// off Dispatch and Swift concurrency, which do not survive fork() (see
/// BUILD_NOTES.md). The body holds the fork gate (fork_gate.c) except while
/// it waits: fork() waits until no thread is inside a step of work.
final class BackgroundThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: @Sendable () -> Void
    private(set) var started = false

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    /// Starts the thread; false if the system refused (then `join` is a no-op).
    func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            tk_fork_gate_enter()
            do {
                let me = Unmanaged<BackgroundThread>.fromOpaque(context).takeRetainedValue()
                me.body()
            }
            tk_fork_gate_leave()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<BackgroundThread>.fromOpaque(context).release()
            return false
        }
        started = true
        return true
    }

    /// CPU time the thread has used so far; nil before `start` or after `join`.
    func cpuTimeNanoseconds() -> UInt64? {
        guard started else { return nil }
        var clock = clockid_t()
        var time = timespec()
        guard pthread_getcpuclockid(thread, &clock) == 0, clock_gettime(clock, &time) == 0 else { return nil }
        return MonotonicClock.nanoseconds(time)
    }

    func join() {
        guard started else { return }
        pthread_join(thread, nil)
        started = false
    }
}
