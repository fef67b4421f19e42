import Glibc

/// `len` value meaning "NUL-terminated" ((size_t)-1 seen as Int).
let nulTerminated = -1

/// A required C string argument, or a failure naming it.
func requiredString(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(Failure) -> String {
    guard let pointer else { throw Failure(.invalidArgument, "\(name) must not be NULL") }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
}

/// The bytes of a (pointer, len) argument; `len == TK_NUL_TERMINATED` uses strlen.
func requiredBytes(_ pointer: UnsafePointer<CChar>?, _ length: Int, _ name: String)
    throws(Failure) -> UnsafeBufferPointer<UInt8>
{
    guard let pointer else { throw Failure(.invalidArgument, "\(name) must not be NULL") }
    let count = length == nulTerminated ? strlen(pointer) : length
    guard count >= 0 else { throw Failure(.invalidArgument, "\(name): invalid length") }
    return UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: count)
}

/// A malloc'd NUL-terminated copy for the caller to release with `tk_free`.
func mallocCString(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar>? {
    guard let memory = malloc(bytes.count + 1)?.assumingMemoryBound(to: UInt8.self) else { return nil }
    bytes.withUnsafeBufferPointer { source in
        if let base = source.baseAddress { memory.update(from: base, count: bytes.count) }
    }
    memory[bytes.count] = 0
    return UnsafeMutableRawPointer(memory).assumingMemoryBound(to: CChar.self)
}
