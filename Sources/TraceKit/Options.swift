import Logging
import TraceKitCore

/// Client settings, validated as they are set (`TraceKitError` names the
/// option). Starts from the library defaults and the TRACEKIT_* environment
/// variables, like `tk_options_new`.
public struct Options: Sendable {
    /// The engine's options; use the throwing setters below to change them.
    public private(set) var core: TraceKitCore.Options
    /// Receives the library's log lines (background threads); nil: silent.
    public var logger: Logger?

    public init(apiKey: String? = nil, serviceName: String? = nil, endpoint: String? = nil,
                logger: Logger? = nil) throws(TraceKitError) {
        var core = TraceKitCore.Options()
        do {
            try core.applyEnvironment()
        } catch {
            throw TraceKitError(.invalidArgument, error.message)
        }
        self.core = core
        self.logger = logger
        if let apiKey { try set { o throws(OptionError) in try o.setAPIKey(apiKey) } }
        if let serviceName { try set { o throws(OptionError) in try o.setServiceName(serviceName) } }
        if let endpoint { try set { o throws(OptionError) in try o.setEndpoint(endpoint) } }
    }

    /// Wraps engine options built elsewhere (already validated).
    public init(core: TraceKitCore.Options, logger: Logger? = nil) {
        self.core = core
        self.logger = logger
    }

    public var codeMonitoring: Bool {
        get { core.codeMonitoring }
        set { core.codeMonitoring = newValue }
    }

    public var piiScrubbing: Bool {
        get { core.piiScrubbing }
        set { core.piiScrubbing = newValue }
    }

    public mutating func setCaptureDepth(_ depth: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setCaptureDepth(depth) }
    }

    public mutating func setMaxPayload(_ bytes: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setMaxPayload(bytes) }
    }

    public mutating func setMaxStringLength(_ bytes: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setMaxStringLength(bytes) }
    }

    public mutating func setCaptureTimeout(milliseconds: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setCaptureTimeoutMs(milliseconds) }
    }

    public mutating func setPollInterval(milliseconds: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setPollIntervalMs(milliseconds) }
    }

    public mutating func setCircuitBreaker(maxFailures: Int, windowMs: Int, cooldownMs: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setCircuitBreaker(maxFailures: maxFailures, windowMs: windowMs, cooldownMs: cooldownMs) }
    }

    public mutating func setMaxQueue(_ snapshots: Int) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setMaxQueue(snapshots) }
    }

    public mutating func setMaxCapturesPerSecond(_ rate: Double) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.setMaxCapturesPerSecond(rate) }
    }

    /// A PCRE2 pattern whose matches become `[REDACTED:<name>]`.
    public mutating func addPIIPattern(name: String, pattern: String) throws(TraceKitError) {
        try set { o throws(OptionError) in try o.addCustomPattern(name: name, pattern: pattern) }
    }

    /// Applies one engine setter, mapping its error to TraceKitError.
    private mutating func set(_ change: (inout TraceKitCore.Options) throws(OptionError) -> Void) throws(TraceKitError) {
        do {
            try change(&core)
        } catch {
            throw TraceKitError(error.kind == .invalidPattern ? .invalidPattern : .invalidArgument, error.message)
        }
    }
}
