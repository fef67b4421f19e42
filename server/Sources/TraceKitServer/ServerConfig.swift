import Logging

/// Everything the server can be told at start. The defaults make
/// `swift run tracekit-server` work with no flags.
public struct ServerConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 7070
    /// Where the data lives (see `StoreLocation`): a SQLite file path or
    /// `sqlite://path` (":memory:" is not supported: WAL needs a file), or
    /// `postgres://user:password@host:port/database`.
    public var databasePath = "./tracekit.sqlite"
    public var logLevel: Logger.Level = .info
    /// An extra admin key accepted for `/api/` (never stored; compared by hash).
    public var adminKey: String?
    /// Largest request body accepted; beyond it the answer is 413.
    public var maxBodyBytes = 1 * 1024 * 1024
    /// Snapshots older than this are deleted (seconds; 0 keeps them forever).
    public var retentionMaxAgeSeconds = 7 * 24 * 3600
    /// At most this many snapshots are kept (oldest deleted first; 0 = no limit).
    public var retentionMaxCount = 100_000
    /// How often retention and expiry sweeps run.
    public var sweepIntervalSeconds = 30.0
    /// SSE keep-alive period.
    public var heartbeatSeconds = 15.0
    /// Events buffered per SSE connection before a slow reader is cut off.
    public var sseBufferEvents = 256
    /// What an auto-registered breakpoint starts as.
    public var autoRegister = AutoRegisterDefaults()
    /// Served over TLS (`--tls-cert`/`--tls-key`): the session cookie is `Secure`.
    public var tlsEnabled = false
    /// A reverse proxy in front sets `X-Forwarded-Proto`; `https` there makes the session cookie `Secure`.
    public var trustForwardedProto = false
    /// Timeouts and connection caps (see `ConnectionLimits`).
    public var connectionLimits = ConnectionLimits()
    /// Create and print a development key on first start (when no key exists).
    public var createDevelopmentKey = true

    public init() {}
}

/// An auto-registered breakpoint starts enabled, as the product description
/// says ("automatically created and enabled"), but bounded, so a forgotten
/// checkpoint on a hot path cannot flood the store: it stops after
/// `maxCaptures` snapshots and is disabled after `idleTimeoutHours` without
/// a capture or an edit. The idle timeout rather than an `expire_at` because
/// the official SDKs compare `expire_at` with a naive local time and raise
/// (tracekit-apm 1.4.1), while they ignore `idle_timeout_hours`, which the
/// server enforces itself. Either bound is lifted by editing the breakpoint.
/// `--auto-register-disabled` makes them start disabled and unbounded
/// (opt-in: whoever enables one sets its limits).
public struct AutoRegisterDefaults: Sendable {
    public var enabled = true
    public var maxCaptures = 100
    public var idleTimeoutHours = 24

    public init() {}
}
