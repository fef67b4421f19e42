import Glibc

/// The thread-local message behind `tk_last_error`: a malloc'd C string per
/// thread, replaced by the next failure on that thread and freed with it.
enum LastError {
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        guard pthread_key_create(&key, { free($0) }) == 0 else { return nil }
        return key
    }()

    static func set(_ message: String) {
        guard let key else { return }
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(previous)
    }

    static var current: UnsafePointer<CChar> {
        guard let key, let message = pthread_getspecific(key) else { return staticCString("") }
        return UnsafePointer(message.assumingMemoryBound(to: CChar.self))
    }
}

@_cdecl("tk_last_error")
public func tk_last_error() -> UnsafePointer<CChar> {
    LastError.current
}

@_cdecl("tk_free")
public func tk_free(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}
