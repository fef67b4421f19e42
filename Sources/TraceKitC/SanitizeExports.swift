import TraceKitCore

@_cdecl("tk_sanitize_json")
public func tk_sanitize_json(_ options: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int,
                             _ statusOut: UnsafeMutablePointer<CInt>?) -> UnsafeMutablePointer<CChar>? {
    var result: UnsafeMutablePointer<CChar>? = nil
    let status = returningStatus { () throws(Failure) in
        let sanitizer = try OptionsHandle.from(options).sanitizer
        let input = try requiredBytes(json, length, "json")
        let sanitized: SanitizeResult
        do throws(SanitizeError) {
            sanitized = try sanitizer.sanitize(input)
        } catch {
            throw Failure(.invalidJSON, error.message)
        }
        guard let copy = mallocCString(sanitized.json) else { throw Failure(.noMemory, "out of memory") }
        result = copy
    }
    statusOut?.pointee = status
    return result
}
