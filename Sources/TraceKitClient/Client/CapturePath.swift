import CTraceKitSupport
import TraceKitCore

/// What a checkpoint call came to.
public enum CaptureOutcome: Equatable, Sendable {
    /// The snapshot is queued for sending.
    case captured
    /// Not captured by design (inactive, kill switch, limits, condition…): stats say why.
    case skipped
    /// Captured, but the queue was full: dropped and counted.
    case queueFull
    case invalidJSON(String)
    case invalidArgument(String)
    case shutDown
}

extension CaptureClient.Lifecycle {
    /// What a checkpoint returns when the client is not running: nothing to
    /// report in a forked child (inert by design), `.shutDown` after shutdown.
    public var captureRefusal: CaptureOutcome? {
        switch self {
        case .running: nil
        case .shutDown: .shutDown
        case .forkedChild: .skipped
        }
    }
}

/// How far `prepareCapture` went.
public enum CaptureStep {
    /// Decided without a snapshot (refused, suppressed, invalid input).
    case finished(CaptureOutcome)
    /// Built: hand it to `finishCapture` with the native stack.
    case prepared(PreparedCapture)
}

/// A snapshot body ready for the queue, waiting for the caller's native stack.
public struct PreparedCapture {
    fileprivate let body: SnapshotBody
    /// How many native frames to take; nil when the context gave a stack_trace.
    public let nativeStackFrames: Int?

    /// The calling thread's native stack when this capture needs one.
    /// Inlinable, so that it is taken in the caller's own frame.
    @inlinable
    public func takeNativeStack() -> NativeStack? {
        guard let frames = nativeStackFrames else { return nil }
        return NativeStack.capture(maxFrames: frames)
    }
}

/// The caller's side of a checkpoint: checks, snapshot, queue. No network,
/// no waiting beyond short uncontended locks, nothing proportional to the
/// number of breakpoints.
extension CaptureClient {
    public func capture(site: Site, variables: UnsafeBufferPointer<UInt8>,
                        context: UnsafeBufferPointer<UInt8>?) -> CaptureOutcome {
        switch prepareCapture(site: site, variables: variables, context: context) {
        case .finished(let outcome):
            return outcome
        case .prepared(let prepared):
            return finishCapture(prepared, nativeStack: prepared.takeNativeStack())
        }
    }

    /// A checkpoint up to its native stack: every check, the sanitized
    /// variables, the snapshot body. The C entry points take the stack in
    /// their own frame, so that the unwinder (which costs per frame) never
    /// walks this library's deeper frames, then call `finishCapture`.
    public func prepareCapture(site: Site, variables: UnsafeBufferPointer<UInt8>,
                               context: UnsafeBufferPointer<UInt8>?) -> CaptureStep {
        if let refusal = lifecycle.captureRefusal { return .finished(refusal) }
        registerOnFirstHit(site)
        guard site.isActive else {
            countInactiveSkip()
            return .finished(.skipped)
        }
        guard let match = site.match, match.breakpoint.enabled else { return .finished(.skipped) }
        let breakpoint = match.breakpoint
        // A slot claimed ahead (claim(site:)) was decided already: nothing to
        // check or count twice. Otherwise cheap checks first; the condition
        // before anything that consumes a slot (rate budget, max_captures,
        // frequency).
        let document = VariablesDocument(variables)
        if !site.takePrepaidClaim(breakpoint) {
            let now = MonotonicClock.coarseNanoseconds()
            if let suppressed = stateSuppression(for: breakpoint, nowNs: now)
                ?? conditionSuppression(breakpoint, document)
                ?? claimSuppression(for: breakpoint, at: site, nowNs: now, prepaid: false) {
                stats.add(suppressed)
                return .finished(.skipped)
            }
        }
        return snapshot(site: site, match: match, variables: document, context: context)
    }

    /// Queues a prepared capture with the caller's native stack (nil when
    /// the context gave a stack_trace).
    public func finishCapture(_ prepared: PreparedCapture, nativeStack: NativeStack?) -> CaptureOutcome {
        stats.add(.captured)
        guard outbox.push(OutgoingSnapshot(body: prepared.body, nativeStack: nativeStack)) else {
            // Refused: the queue is full, or shutdown closed it meanwhile.
            if lifecycle != .running {
                stats.add(.failed)
                return .shutDown
            }
            stats.add(.droppedQueueFull)
            return .queueFull
        }
        return .captured
    }

    /// `tk_site_claim`: every suppression decided before the caller builds
    /// its variables. True when the caller should build them and capture:
    /// a slot is then claimed and kept for the site's next capture, unless
    /// the breakpoint has a condition this SDK evaluates (it needs the
    /// variables, so the capture decides it and claims then). False when
    /// suppressed, counted in stats like the capture would count it.
    public func claim(site: Site) -> Bool {
        guard lifecycle.captureRefusal == nil else { return false }
        registerOnFirstHit(site)
        guard site.isActive else {
            countInactiveSkip()
            return false
        }
        if let suppressed = site.suppression.current(now: MonotonicClock.coarseNanoseconds) {
            stats.add(suppressed)
            return false
        }
        guard let breakpoint = site.match?.breakpoint, breakpoint.enabled else { return false }
        let now = MonotonicClock.coarseNanoseconds()
        let deferCondition = breakpoint.sdkEvaluable && breakpoint.condition != nil
        guard let suppressed = stateSuppression(for: breakpoint, nowNs: now)
            ?? (deferCondition ? nil : claimSuppression(for: breakpoint, at: site, nowNs: now, prepaid: true))
        else { return true }
        stats.add(suppressed)
        site.suppression.set(suppressed, untilNs: suppressionEnd(suppressed, breakpoint, site))
        _ = tk_tally_join()  // so that this thread's next refusals here stay in C (site_claim.c)
        return false
    }

    /// Until when a claim's suppression holds, for the site's hint; 0: not known.
    private func suppressionEnd(_ counter: ClientStats.Counter, _ breakpoint: Breakpoint, _ site: Site) -> UInt64 {
        switch counter {
        case .suppressedExpired, .suppressedMaxCaptures: SuppressionHint.untilBreakpointChanges
        case .suppressedCircuit: breaker.cooldownEnd
        case .suppressedRateLimit: rateLimiter?.emptyUntil ?? 0
        case .suppressedFrequency: site.nextCaptureAllowedNs(breakpoint)
        default: 0
        }
    }

    /// Convenience for Swift callers and tests.
    public func capture(label: String, file: String, line: Int, function: String, variables: String,
                        context: String? = nil) -> CaptureOutcome {
        guard !label.isEmpty else { return .invalidArgument("label must not be empty") }
        if let refusal = lifecycle.captureRefusal { return refusal }
        let site = site(label: label, file: file, line: line, function: function)
        let variableBytes = Array(variables.utf8)
        let contextBytes = context.map { Array($0.utf8) }
        return variableBytes.withUnsafeBufferPointer { variableBuffer in
            guard let contextBytes else { return capture(site: site, variables: variableBuffer, context: nil) }
            return contextBytes.withUnsafeBufferPointer { capture(site: site, variables: variableBuffer, context: $0) }
        }
    }

    /// An inactive site under the kill switch: the skip is counted.
    private func countInactiveSkip() {
        if killSwitch.load(ordering: .relaxed) { stats.add(.suppressedKillSwitch) }
    }

    /// `tk_site_register`: the first hit's auto-registration without a
    /// capture, for callers that skip inactive sites before capturing (a
    /// breakpoint arriving after their check must not get a placeholder
    /// capture). An inactive hit under the kill switch is counted as the
    /// capture would count it. False after shutdown; nothing done in a
    /// forked child.
    public func register(site: Site) -> Bool {
        switch lifecycle {
        case .shutDown: return false
        case .forkedChild: return true
        case .running: registerOnFirstHit(site)
        }
        if !site.isActive { countInactiveSkip() }
        return true
    }

    /// Queues the site's auto-registration on its first hit, once per
    /// process per function:label, whether or not a breakpoint already
    /// matches it: the server then learns where the code is now. After the
    /// first hit this costs one relaxed atomic load.
    private func registerOnFirstHit(_ site: Site) {
        guard options.codeMonitoring, !site.registrationQueued.load(ordering: .relaxed),
              !site.registrationQueued.exchange(true, ordering: .relaxed), claimRegistration(site.key) else { return }
        _ = registrations.push(site.key)
    }

    /// Expired breakpoint or open circuit.
    private func stateSuppression(for breakpoint: Breakpoint, nowNs: UInt64) -> ClientStats.Counter? {
        if breakpoint.expireAt != nil, breakpoint.isExpired(nowUnixSeconds: Double(WallClock.nowUnixNanoseconds()) / 1e9) {
            return .suppressedExpired
        }
        // Open, and the cooldown still running: suppressed here. Once it
        // ends captures flow again and the sender's breaker picks the probe.
        return breaker.suppressesCaptures(nowNs: nowNs) ? .suppressedCircuit : nil
    }

    /// An SDK-evaluable condition that is false. Evaluation errors (and
    /// variables that do not parse) capture anyway, as the official SDKs do.
    private func conditionSuppression(_ breakpoint: Breakpoint,
                                      _ variables: VariablesDocument) -> ClientStats.Counter? {
        guard breakpoint.sdkEvaluable, let condition = breakpoint.condition,
              let values = variables.value,
              (try? condition.holds(values)) == false else { return nil }
        return .suppressedCondition
    }

    /// The site's max_captures and frequency, then the process-wide budget
    /// (a hit the breakpoint refuses must not spend it).
    private func claimSuppression(for breakpoint: Breakpoint, at site: Site, nowNs: UInt64,
                                  prepaid: Bool) -> ClientStats.Counter? {
        switch site.claimCapture(breakpoint, nowNs: nowNs, prepaid: prepaid,
                                 budget: { rateLimiter?.tryTake(nowNs: nowNs) ?? true }) {
        case .granted: return nil
        case .maxCaptures: return .suppressedMaxCaptures
        case .frequency: return .suppressedFrequency
        case .rateLimited: return .suppressedRateLimit
        }
    }

    private func snapshot(site: Site, match: Site.Match, variables: VariablesDocument,
                          context: UnsafeBufferPointer<UInt8>?) -> CaptureStep {
        let breakpoint = match.breakpoint
        let sanitized: SanitizeResult
        do {
            sanitized = try sanitizer.with(maxDepth: breakpoint.maxDepth, maxPayload: breakpoint.maxPayloadBytes)
                .sanitize(variables.bytes)
        } catch {
            site.refundCapture(breakpoint)  // invalid input must not use up max_captures
            stats.add(.invalidInput)
            return .finished(.invalidJSON(error.message))
        }
        let parsedContext: CaptureContext
        do {
            parsedContext = try CaptureContext(json: context, stackDepth: breakpoint.stackDepth ?? 50)
        } catch {
            site.refundCapture(breakpoint)
            stats.add(.invalidInput)
            return .finished(.invalidJSON("context_json: invalid JSON at byte offset \(error.offset): \(error.message)"))
        }
        if sanitized.redactions > 0 { stats.add(.redactions, sanitized.redactions) }
        if sanitized.truncations > 0 { stats.add(.truncations, sanitized.truncations) }
        let body = snapshotBody(match: match, variables: sanitized, document: variables, context: parsedContext)
        return .prepared(PreparedCapture(
            body: body, nativeStackFrames: parsedContext.stackTrace == nil ? breakpoint.stackDepth ?? 50 : nil))
    }

    private func snapshotBody(match: Site.Match, variables: SanitizeResult,
                              document: VariablesDocument, context: CaptureContext) -> SnapshotBody {
        let breakpoint = match.breakpoint
        var body = SnapshotBody(members: match.bodyMembers,
                                reserving: variables.json.count + SnapshotBody.typicalExtraBytes)
        if breakpoint.mode == .logpoint {
            body.raw("variables", json: Array("{}".utf8))
        } else {
            body.raw("variables", json: variables.json)
            body.securityFlags(variables.securityFlags)
        }
        if !breakpoint.captureExpressions.isEmpty {
            body.raw("expression_results", expressionResults(breakpoint, document))
        }
        body.string("stack_trace", context.stackTrace)
        body.string("trace_id", context.traceID)
        body.string("span_id", context.spanID)
        if let request = context.request, let scrubbed = try? sanitizedRequest(request) {
            body.raw("request_context", json: scrubbed)
        }
        body.string("captured_at", RFC3339.now())
        body.string("mode", breakpoint.mode.rawValue)
        return body
    }

    /// Each expression's value, scrubbed like the variables; an expression
    /// that fails gives `{"error": message}`.
    private func expressionResults(_ breakpoint: Breakpoint, _ document: VariablesDocument) -> JSONValue {
        let values = document.value ?? .object([:])
        var results: [String: JSONValue] = [:]
        for (source, expression) in breakpoint.captureExpressions {
            guard let expression else {
                results[source] = .object(["error": .string("expression does not parse")])
                continue
            }
            do {
                let value = try expression.evaluate(values)
                let scrubbed = try sanitizer.sanitize(Array(value.jsonText.utf8)).json
                results[source] = (try? JSONValue.parse(String(decoding: scrubbed, as: UTF8.self))) ?? .null
            } catch {
                results[source] = .object(["error": .string("\(error)")])
            }
        }
        return .object(results)
    }

    private func sanitizedRequest(_ request: JSONValue) throws -> [UInt8] {
        try sanitizer.sanitize(Array(request.jsonText.utf8)).json
    }
}

/// A capture's variables: the JSON text the sanitizer reads in its own pass,
/// and the JSONValue the condition and the capture expressions evaluate,
/// parsed at most once per capture (nil when the text does not parse).
final class VariablesDocument {
    let bytes: UnsafeBufferPointer<UInt8>
    private var parsed: JSONValue??

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var value: JSONValue? {
        if let parsed { return parsed }
        let made = try? JSONValue.parse(UnsafeRawBufferPointer(bytes), maxDepth: 64)
        parsed = .some(made)
        return made
    }
}
