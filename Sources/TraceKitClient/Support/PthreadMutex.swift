import Glibc

/// A value behind a pthread mutex, for state the client's threads and the
/// callers contend for (the site table, the breakpoint set).
/// `Synchronization.Mutex` hands a contended lock over inside the kernel (a
/// priority-inheritance futex on Linux), where ThreadSanitizer cannot see
/// the ordering and reports races that are none; it follows pthread locks.
final class PthreadMutex<Value>: @unchecked Sendable {
    // Heap storage: a pthread mutex must not move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
