import CTraceKitSupport
import Synchronization
import TraceKitCore

/// The client's log: the user's handler, with each distinct message at most
/// once a minute (a failing condition or an unreachable backend must not
/// flood the host's logs). Messages never contain the API key: callers
/// build them from URLs, statuses and counts only.
final class RateLimitedLog: Sendable {
    private let handler: LogHandler?
    private let lastLogged = Mutex<[String: UInt64]>([:])
    static let interval: UInt64 = 60_000_000_000

    init(_ handler: LogHandler?) {
        self.handler = handler
    }

    func log(_ level: LogHandler.Level, _ message: String) {
        guard let handler else { return }
        let now = MonotonicClock.nowNanoseconds()
        let due = lastLogged.withLock { seen -> Bool in
            if let last = seen[message], now &- last < Self.interval { return false }
            if seen.count > 256 { seen.removeAll() }
            seen[message] = now
            return true
        }
        guard due else { return }
        // The handler is the host's code (a Ruby or Python callback may wait
        // for the interpreter's lock, held by a thread that forks): outside
        // the fork gate, like any other wait.
        let message = "tracekit: " + message
        let gateWasHeld = tk_fork_gate_pause()
        handler.log(level, message)
        tk_fork_gate_resume(gateWasHeld)
    }
}
