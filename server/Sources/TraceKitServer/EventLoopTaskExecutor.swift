import NIOCore
import Synchronization

/// An event loop as a Swift task executor. A handler running with its
/// connection's loop as preferred executor (`withTaskExecutorPreference`)
/// is resumed on that loop, whichever thread resumes it: a capture answered
/// from the database's writer thread then wakes the one loop that writes
/// the response, rather than whichever loop the global executor picks (from
/// which the response would hop to the connection's loop once more).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// One executor per loop, made on first use (a server has a few loops;
    /// past 64, say loops of finished tests, new ones are not kept).
    static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let key = ObjectIdentifier(eventLoop)
        return executors.withLock { executors in
            if let known = executors[key] { return known }
            let executor = EventLoopTaskExecutor(eventLoop)
            if executors.count < 64 { executors[key] = executor }
            return executor
        }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])
}
