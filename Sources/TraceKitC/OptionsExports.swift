import TraceKitCore

// tk_options_*: see include/tracekit.h for the contract of each.

@_cdecl("tk_options_new")
public func tk_options_new() -> OpaquePointer? {
    var options = Options()
    do {
        try options.applyEnvironment()
    } catch {
        _ = report(Failure(error))
        return nil
    }
    return OptionsHandle(options).opaque
}

@_cdecl("tk_options_free")
public func tk_options_free(_ options: OpaquePointer?) {
    guard let options else { return }
    Unmanaged<OptionsHandle>.fromOpaque(UnsafeRawPointer(options)).release()
}

/// Applies `change` to the options behind `pointer`, reporting failures.
private func updating(_ pointer: OpaquePointer?,
                      _ change: (inout Options) throws(OptionError) -> Void) -> CInt {
    returningStatus { () throws(Failure) in try OptionsHandle.from(pointer).update(change) }
}

private func updating(_ pointer: OpaquePointer?, string: UnsafePointer<CChar>?, named name: String,
                      _ change: (inout Options, String) throws(OptionError) -> Void) -> CInt {
    returningStatus { () throws(Failure) in
        let handle = try OptionsHandle.from(pointer)
        let value = try requiredString(string, name)
        try handle.update { options throws(OptionError) in try change(&options, value) }
    }
}

@_cdecl("tk_options_set_api_key")
public func tk_options_set_api_key(_ options: OpaquePointer?, _ value: UnsafePointer<CChar>?) -> CInt {
    updating(options, string: value, named: "api_key") { o, v throws(OptionError) in try o.setAPIKey(v) }
}

@_cdecl("tk_options_set_service_name")
public func tk_options_set_service_name(_ options: OpaquePointer?, _ value: UnsafePointer<CChar>?) -> CInt {
    updating(options, string: value, named: "service_name") { o, v throws(OptionError) in try o.setServiceName(v) }
}

@_cdecl("tk_options_set_endpoint")
public func tk_options_set_endpoint(_ options: OpaquePointer?, _ value: UnsafePointer<CChar>?) -> CInt {
    updating(options, string: value, named: "endpoint") { o, v throws(OptionError) in try o.setEndpoint(v) }
}

@_cdecl("tk_options_set_code_monitoring")
public func tk_options_set_code_monitoring(_ options: OpaquePointer?, _ enabled: CInt) -> CInt {
    updating(options) { o in o.codeMonitoring = enabled != 0 }
}

@_cdecl("tk_options_set_capture_depth")
public func tk_options_set_capture_depth(_ options: OpaquePointer?, _ depth: Int32) -> CInt {
    updating(options) { o throws(OptionError) in try o.setCaptureDepth(Int(depth)) }
}

@_cdecl("tk_options_set_max_payload")
public func tk_options_set_max_payload(_ options: OpaquePointer?, _ bytes: Int64) -> CInt {
    updating(options) { o throws(OptionError) in try o.setMaxPayload(Int(bytes)) }
}

@_cdecl("tk_options_set_max_string_length")
public func tk_options_set_max_string_length(_ options: OpaquePointer?, _ bytes: Int64) -> CInt {
    updating(options) { o throws(OptionError) in try o.setMaxStringLength(Int(bytes)) }
}

@_cdecl("tk_options_set_capture_timeout_ms")
public func tk_options_set_capture_timeout_ms(_ options: OpaquePointer?, _ ms: Int64) -> CInt {
    updating(options) { o throws(OptionError) in try o.setCaptureTimeoutMs(Int(ms)) }
}

@_cdecl("tk_options_set_pii_scrubbing")
public func tk_options_set_pii_scrubbing(_ options: OpaquePointer?, _ enabled: CInt) -> CInt {
    updating(options) { o in o.piiScrubbing = enabled != 0 }
}

@_cdecl("tk_options_add_pii_pattern")
public func tk_options_add_pii_pattern(_ options: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                       _ pattern: UnsafePointer<CChar>?) -> CInt {
    returningStatus { () throws(Failure) in
        let handle = try OptionsHandle.from(options)
        let name = try requiredString(name, "pii pattern name")
        let pattern = try requiredString(pattern, "pii pattern")
        try handle.update { o throws(OptionError) in try o.addCustomPattern(name: name, pattern: pattern) }
    }
}

@_cdecl("tk_options_set_circuit_breaker")
public func tk_options_set_circuit_breaker(_ options: OpaquePointer?, _ maxFailures: Int32,
                                           _ windowMs: Int64, _ cooldownMs: Int64) -> CInt {
    updating(options) { o throws(OptionError) in
        try o.setCircuitBreaker(maxFailures: Int(maxFailures), windowMs: Int(windowMs), cooldownMs: Int(cooldownMs))
    }
}

@_cdecl("tk_options_set_poll_interval_ms")
public func tk_options_set_poll_interval_ms(_ options: OpaquePointer?, _ ms: Int64) -> CInt {
    updating(options) { o throws(OptionError) in try o.setPollIntervalMs(Int(ms)) }
}

@_cdecl("tk_options_set_sse")
public func tk_options_set_sse(_ options: OpaquePointer?, _ enabled: CInt) -> CInt {
    updating(options) { o in o.sse = enabled != 0 }
}

@_cdecl("tk_options_set_max_queue")
public func tk_options_set_max_queue(_ options: OpaquePointer?, _ snapshots: Int32) -> CInt {
    updating(options) { o throws(OptionError) in try o.setMaxQueue(Int(snapshots)) }
}

@_cdecl("tk_options_set_max_captures_per_second")
public func tk_options_set_max_captures_per_second(_ options: OpaquePointer?, _ perSecond: Double) -> CInt {
    updating(options) { o throws(OptionError) in try o.setMaxCapturesPerSecond(perSecond) }
}

/// The C callback and its userdata, called from the library's threads.
/// The caller promises (tracekit.h) that the callback is thread-safe.
private struct CLogger: @unchecked Sendable {
    let function: @convention(c) (CInt, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void
    let userdata: UnsafeMutableRawPointer?
}

@_cdecl("tk_options_set_logger")
public func tk_options_set_logger(
    _ options: OpaquePointer?,
    _ function: (@convention(c) (CInt, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void)?,
    _ userdata: UnsafeMutableRawPointer?
) -> CInt {
    let handler = function.map { function in
        let logger = CLogger(function: function, userdata: userdata)
        return LogHandler { level, message in
            message.withCString { logger.function(level.rawValue, $0, logger.userdata) }
        }
    }
    return updating(options) { o in o.logHandler = handler }
}
