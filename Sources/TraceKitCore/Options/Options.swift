/// Everything a client or a sanitize call is configured with.
///
/// A plain value: copying it is cheap (the compiled custom patterns are
/// shared, immutable references). Setters validate and throw `OptionError`
/// naming the option, so a bad value never reaches the engine.
public struct Options: Sendable {
    public static let defaultEndpoint = "https://app.tracekit.dev"

    public var apiKey: String = ""
    public var serviceName: String = "default"
    public var endpoint: String = Options.defaultEndpoint
    public var codeMonitoring: Bool = true
    /// Containers nested deeper than this become depth markers; 0 = unlimited.
    public var captureDepth: Int = 10
    /// Serialised variables over this many bytes become the payload marker; 0 = unlimited.
    public var maxPayload: Int = 65_536
    /// Longer string values (and keys) are cut and marked; 0 = unlimited.
    public var maxStringLength: Int = 8_192
    /// Bounds network calls and shutdown; 0 = none.
    public var captureTimeoutMs: Int = 5_000
    public var piiScrubbing: Bool = true
    public private(set) var customPatterns: [CustomPattern] = []
    public var circuitBreaker = CircuitBreakerSettings()
    public var pollIntervalMs: Int = 30_000
    public var sse: Bool = true
    public var maxQueue: Int = 1_000
    /// Process-wide capture budget; 0 = unlimited.
    public var maxCapturesPerSecond: Double = 100
    /// Nil: the library logs nothing.
    public var logHandler: LogHandler?
    /// An SSE stream with no byte for this long is dead (three 15 s server
    /// heartbeats). Not in the C API; tests shorten it.
    package var sseIdleTimeoutMs = 45_000
    /// Call sites a client interns at most (labels made at run time must not
    /// grow memory without bound); beyond it checkpoints are inert and counted.
    package var maxSites = 100_000
    /// Snapshots the sender delivers at once (libcurl transfers in flight,
    /// retry pauses included): 16 keep up with 320 snapshots/s against a
    /// backend 50 ms away. Not in the C API; tests set 1 for a serial sender.
    package var maxConcurrentDeliveries = 16
    /// After taking snapshots, the sender waits this long, or until as many
    /// as it can start at once are queued, and takes them together: a steady
    /// stream of captures wakes it once a window instead of once a capture,
    /// and reaches the backend in concurrent batches (which tracekit-server
    /// stores in one transaction). An idle sender still takes the first
    /// snapshot at once; flush and shutdown end the wait. At the default
    /// budget (100/s) a 200 ms window makes batches of about 16. Not in the
    /// C API; 0 takes each at once.
    package var senderGatherMs = 200

    public init() {}

    public struct CircuitBreakerSettings: Sendable, Equatable {
        public var maxFailures: Int = 3
        public var windowMs: Int = 60_000
        public var cooldownMs: Int = 300_000
        public init() {}
    }
}

/// A bad option value; `message` names the option and never echoes a secret.
public struct OptionError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case invalidArgument, invalidPattern }
    public var kind: Kind
    public var message: String

    public init(_ message: String) {
        self.init(.invalidArgument, message)
    }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

// MARK: - Validating setters

extension Options {
    public static let maxCustomPatterns = 64

    public mutating func setAPIKey(_ value: String) throws(OptionError) {
        guard !value.isEmpty, value.utf8.count <= 1024 else {
            throw OptionError("api_key: must be 1 to 1024 bytes")
        }
        // The key travels in an HTTP header: control characters and spaces
        // would allow header injection. The message never repeats the value.
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw OptionError("api_key: must be printable ASCII without spaces")
        }
        apiKey = value
    }

    public mutating func setServiceName(_ value: String) throws(OptionError) {
        guard !value.isEmpty, value.utf8.count <= 256,
              value.utf8.allSatisfy({ Self.isServiceNameByte($0) }) else {
            throw OptionError(
                "service_name: must be 1 to 256 characters of A-Z a-z 0-9 . _ ~ - (got \(quoted(value)))")
        }
        serviceName = value
    }

    /// Accepts a base URL (`https://host:port`) or an OTLP traces URL
    /// (`https://host/v1/traces`), as the official SDKs do, and keeps the base.
    public mutating func setEndpoint(_ value: String) throws(OptionError) {
        guard let base = EndpointURL.base(of: value) else {
            throw OptionError(
                "endpoint: expected http:// or https:// followed by a host (got \(quoted(value)))")
        }
        endpoint = base
    }

    public mutating func setCaptureDepth(_ value: Int) throws(OptionError) {
        captureDepth = try Self.checked("capture_depth", value, 0...100_000, "0 = unlimited")
    }

    public mutating func setMaxPayload(_ value: Int) throws(OptionError) {
        maxPayload = try Self.checked("max_payload", value, 0...(1 << 40), "bytes, 0 = unlimited")
    }

    public mutating func setMaxStringLength(_ value: Int) throws(OptionError) {
        maxStringLength = try Self.checked("max_string_length", value, 0...(1 << 40), "bytes, 0 = unlimited")
    }

    public mutating func setCaptureTimeoutMs(_ value: Int) throws(OptionError) {
        captureTimeoutMs = try Self.checked("capture_timeout_ms", value, 0...600_000, "0 = none")
    }

    public mutating func setCircuitBreaker(maxFailures: Int, windowMs: Int, cooldownMs: Int) throws(OptionError) {
        var settings = CircuitBreakerSettings()
        settings.maxFailures = try Self.checked("circuit_breaker.max_failures", maxFailures, 1...1_000_000, "")
        settings.windowMs = try Self.checked("circuit_breaker.window_ms", windowMs, 1...86_400_000, "")
        settings.cooldownMs = try Self.checked("circuit_breaker.cooldown_ms", cooldownMs, 1...86_400_000, "")
        circuitBreaker = settings
    }

    public mutating func setPollIntervalMs(_ value: Int) throws(OptionError) {
        pollIntervalMs = try Self.checked("poll_interval_ms", value, 100...86_400_000, "")
    }

    public mutating func setMaxQueue(_ value: Int) throws(OptionError) {
        maxQueue = try Self.checked("max_queue", value, 1...1_000_000, "snapshots")
    }

    public mutating func setMaxCapturesPerSecond(_ value: Double) throws(OptionError) {
        guard value.isFinite, value >= 0, value <= 1_000_000 else {
            throw OptionError("max_captures_per_second: must be between 0 and 1000000 (0 = unlimited)")
        }
        maxCapturesPerSecond = value
    }

    /// Compiles the pattern at once (PCRE2, JIT) so that a client never
    /// starts with a half-applied pattern set.
    public mutating func addCustomPattern(name: String, pattern: String) throws(OptionError) {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
            throw OptionError("pii_pattern: name must be 1 to 64 characters of [a-z0-9_] (got \(quoted(name)))")
        }
        guard customPatterns.count < Self.maxCustomPatterns else {
            throw OptionError("pii_pattern: at most \(Self.maxCustomPatterns) custom patterns")
        }
        do {
            let compiled = try CompiledPattern(pattern)
            customPatterns.append(CustomPattern(name: name, pattern: compiled))
        } catch {
            throw OptionError(.invalidPattern,
                "pii_pattern '\(name)': \(error.message) at offset \(error.offset)")
        }
    }

    private static func checked(_ name: String, _ value: Int, _ range: ClosedRange<Int>,
                                _ unit: String) throws(OptionError) -> Int {
        guard range.contains(value) else {
            let note = unit.isEmpty ? "" : " (\(unit))"
            throw OptionError("\(name): must be between \(range.lowerBound) and \(range.upperBound)\(note), got \(value)")
        }
        return value
    }

    private static func isServiceNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == 0x2E || b == 0x5F || b == 0x7E || b == 0x2D
    }
}

/// A user pattern: matches become `[REDACTED:<name>]`.
public struct CustomPattern: Sendable {
    public let name: String
    let pattern: CompiledPattern
    let marker: [UInt8]

    init(name: String, pattern: CompiledPattern) {
        self.name = name
        self.pattern = pattern
        self.marker = Array("[REDACTED:\(name)]".utf8)
    }
}

/// Quotes a user value for an error message, cut so a message stays short.
func quoted(_ value: String) -> String {
    var text = ""
    for scalar in value.unicodeScalars.prefix(64) {
        text.unicodeScalars.append(scalar.value < 0x20 ? "?" : scalar)
    }
    return "'" + text + (value.unicodeScalars.count > 64 ? "…'" : "'")
}
