import Glibc

/// `TRACEKIT_*` environment variables, read by `tk_options_new` on top of the
/// defaults. An unparsable value is an error naming the variable.
extension Options {
    public static let environmentVariables = [
        "TRACEKIT_API_KEY", "TRACEKIT_SERVICE_NAME", "TRACEKIT_ENDPOINT", "TRACEKIT_CODE_MONITORING",
        "TRACEKIT_CAPTURE_DEPTH", "TRACEKIT_MAX_PAYLOAD", "TRACEKIT_CAPTURE_TIMEOUT_MS", "TRACEKIT_PII_SCRUBBING",
    ]

    /// Applies the environment through `lookup` (getenv by default).
    /// Errors name the variable.
    public mutating func applyEnvironment(
        _ lookup: (String) -> String? = Options.processEnvironment
    ) throws(OptionError) {
        try apply(lookup, "TRACEKIT_API_KEY") { o, v throws(OptionError) in try o.setAPIKey(v) }
        try apply(lookup, "TRACEKIT_SERVICE_NAME") { o, v throws(OptionError) in try o.setServiceName(v) }
        try apply(lookup, "TRACEKIT_ENDPOINT") { o, v throws(OptionError) in try o.setEndpoint(v) }
        try apply(lookup, "TRACEKIT_CODE_MONITORING") { o, v throws(OptionError) in o.codeMonitoring = try Self.flag(v) }
        try apply(lookup, "TRACEKIT_CAPTURE_DEPTH") { o, v throws(OptionError) in try o.setCaptureDepth(Self.integer(v)) }
        try apply(lookup, "TRACEKIT_MAX_PAYLOAD") { o, v throws(OptionError) in try o.setMaxPayload(Self.integer(v)) }
        try apply(lookup, "TRACEKIT_CAPTURE_TIMEOUT_MS") { o, v throws(OptionError) in
            try o.setCaptureTimeoutMs(Self.integer(v))
        }
        try apply(lookup, "TRACEKIT_PII_SCRUBBING") { o, v throws(OptionError) in o.piiScrubbing = try Self.flag(v) }
    }

    private mutating func apply(_ lookup: (String) -> String?, _ name: String,
                                _ set: (inout Options, String) throws(OptionError) -> Void) throws(OptionError) {
        guard let value = lookup(name) else { return }
        do {
            try set(&self, value)
        } catch {
            throw OptionError(error.kind, "\(name): \(error.message)")
        }
    }

    public static func processEnvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    private static func flag(_ value: String) throws(OptionError) -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw OptionError("expected true/false/1/0 (got \(quoted(value)))")
        }
    }

    private static func integer(_ value: String) throws(OptionError) -> Int {
        guard let number = Int(value) else {
            throw OptionError("expected an integer (got \(quoted(value)))")
        }
        return number
    }
}
