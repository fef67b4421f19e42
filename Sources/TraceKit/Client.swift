import Foundation
import TraceKitClient
import TraceKitCore

/// What a checkpoint came to.
public enum CaptureResult: Sendable, Equatable {
    /// The snapshot is queued for sending.
    case captured
    /// Not captured by design: no enabled breakpoint, kill switch, limits,
    /// condition false (the stats say why).
    case skipped
    /// Captured, but the send queue was full: dropped and counted.
    case dropped
}

/// A TraceKit client for Swift services: breakpoints of one service kept in
/// sync, checkpoints that capture `Encodable` values, snapshots sent from
/// the engine's own threads. Calls TraceKitCore directly (no C ABI).
///
///     let client = try TraceKit.Client(options: .init(apiKey: key, serviceName: "checkout"))
///     try client.capture("order-checkout", order)
public final class Client: Sendable {
    private let engine: CaptureClient

    public init(options: Options) throws(TraceKitError) {
        var core = options.core
        if let logger = options.logger { core.logHandler = LogBridge.handler(for: logger) }
        do {
            engine = try CaptureClient(options: core)
        } catch {
            throw TraceKitError(.startFailed, error.message)
        }
    }

    deinit { engine.shutdown() }

    /// A checkpoint. When a breakpoint is enabled for this site
    /// ("function:label", else "file:line"), `variables` is encoded with
    /// JSONEncoder, scrubbed and bounded, and the snapshot queued; otherwise
    /// nothing is encoded. Throws when the value does not encode, or after
    /// shutdown.
    @discardableResult
    public func capture<Variables: Encodable>(
        _ label: String, _ variables: @autoclosure () -> Variables, context: RequestContext? = nil,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws(TraceKitError) -> CaptureResult {
        guard !label.isEmpty else { throw TraceKitError(.invalidArgument, "label must not be empty") }
        // Before anything that takes the engine's locks (fork: they may be held).
        if let refusal = engine.lifecycle.captureRefusal { return try outcome(refusal) }
        let site = engine.site(label: label, file: fileID, line: line, function: function)
        guard site.isActive else {
            // The engine registers the site on its first hit and never
            // captures here, even if a breakpoint has arrived since the check.
            return engine.register(site: site) ? .skipped : try outcome(.shutDown)
        }
        let variableBytes = try encode(variables(), what: "variables")
        let contextBytes = try context.map { (value: RequestContext) throws(TraceKitError) in
            try encode(value, what: "context")
        }
        return try outcome(variableBytes.withUnsafeBufferPointer { variableBuffer in
            guard let contextBytes else { return engine.capture(site: site, variables: variableBuffer, context: nil) }
            return contextBytes.withUnsafeBufferPointer {
                engine.capture(site: site, variables: variableBuffer, context: $0)
            }
        })
    }

    /// Waits until what is queued now is sent or dropped; false on timeout
    /// or after shutdown.
    public func flush(timeout: Duration = .seconds(5)) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        let total = milliseconds.overflow ? Int64.max : milliseconds.partialValue &+ attoseconds / 1_000_000_000_000_000
        return engine.flush(timeoutMs: Int(clamping: max(0, total)))
    }

    /// The engine's counters as JSON (captured, sent, failed, kill_switch, ...).
    public var statsJSON: String { engine.statsJSON() }

    /// Sends what is queued (bounded by the capture timeout), then stops the
    /// engine's threads. Later captures throw `.shutDown`. Safe to call from
    /// any thread, more than once. True when everything queued was sent in
    /// time; false when the rest was dropped (counted as failed).
    @discardableResult
    public func shutdown() -> Bool { engine.shutdown() }

    private func encode<Value: Encodable>(_ value: Value, what: String) throws(TraceKitError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw TraceKitError(.encodingFailed, "\(what) could not be encoded as JSON: \(error)")
        }
    }

    private func outcome(_ outcome: CaptureOutcome) throws(TraceKitError) -> CaptureResult {
        switch outcome {
        case .captured: return .captured
        case .skipped: return .skipped
        case .queueFull: return .dropped
        case .invalidJSON(let message): throw TraceKitError(.invalidJSON, message)
        case .invalidArgument(let message): throw TraceKitError(.invalidArgument, message)
        case .shutDown: throw TraceKitError(.shutDown, "the client has been shut down")
        }
    }
}
