import CTraceKitSupport
import Synchronization
import TraceKitCore

/// Where a checkpoint is: what call sites are interned and matched by.
public struct SiteKey: Hashable, Sendable {
    let label: String
    let file: String
    let line: Int
    let function: String
}

/// A call site: `active` is the one atomic load of the inactive path; the
/// sync thread recomputes it whenever breakpoints change. Everything else is
/// read only when capturing.
///
/// `@unchecked Sendable`: `cell` is written once at init, then only through
/// atomic loads and stores; everything else is `Sendable`.
public final class Site: @unchecked Sendable {
    public let key: SiteKey
    /// Unretained: the client owns its sites and a site is used only while
    /// the client lives (tracekit.h); no reference counting per checkpoint.
    public let unretainedClient: Unmanaged<CaptureClient>
    public var client: CaptureClient { unretainedClient.takeUnretainedValue() }
    /// The active flag, in C-visible memory: `tk_site *` points here.
    public let cell: UnsafeMutablePointer<tk_site_cell>
    private let matched = Mutex<Match?>(nil)
    /// Captures taken here since the server last reported `capture_count`
    /// for the current breakpoint, and when the last one happened.
    private let local = Mutex<LocalCount>(LocalCount())
    let registrationQueued = Atomic<Bool>(false)
    /// What the last claims here were refused for, while it holds.
    var suppression: SuppressionHint { SuppressionHint(cell: cell) }

    init(key: SiteKey, client: CaptureClient) {
        self.key = key
        unretainedClient = .passUnretained(client)
        cell = .allocate(capacity: 1)
        cell.initialize(to: tk_site_cell(active: 0, owner: nil, suppression: 0, tally: client.stats.tally))
        cell.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { cell.deallocate() }

    /// One relaxed atomic load: the whole cost of an inactive checkpoint.
    public var isActive: Bool { tk_site_cell_load(cell) != 0 }

    /// The breakpoint matched here, and the start of its snapshots' body:
    /// the members that depend on nothing but the breakpoint and the site,
    /// written once per breakpoint change instead of once per capture.
    struct Match: Sendable {
        let breakpoint: Breakpoint
        let bodyMembers: [UInt8]
    }

    var match: Match? { matched.withLock { $0 } }

    /// Called by the sync thread with the new set.
    func update(from set: BreakpointSet, codeMonitoring: Bool) {
        let breakpoint = set.match(key)
        let previous = match
        let match = breakpoint.map { breakpoint in
            previous?.breakpoint === breakpoint ? previous : Match(breakpoint: breakpoint, bodyMembers: bodyMembers(breakpoint))
        } ?? nil
        matched.withLock { $0 = match }
        suppression.clear()
        let active = codeMonitoring && !set.killSwitch && (breakpoint?.enabled ?? false)
        tk_site_cell_store(cell, active ? 1 : 0)
    }

    /// Claims a capture slot for `breakpoint` under its max_captures and
    /// capture_frequency, then from `budget` (the process-wide rate), so a
    /// hit the breakpoint refuses does not spend the budget. `prepaid`: the
    /// slot is kept for the site's next capture (`tk_site_claim`), which
    /// takes it with `takePrepaidClaim` instead of claiming again.
    func claimCapture(_ breakpoint: Breakpoint, nowNs: UInt64, prepaid: Bool = false,
                      budget: () -> Bool) -> ClaimResult {
        local.withLock { state in
            if state.breakpointID != breakpoint.id || state.serverCount != breakpoint.captureCount {
                // The server's count now includes what was sent so far.
                let sameBreakpoint = state.breakpointID == breakpoint.id
                state = LocalCount(breakpointID: breakpoint.id, serverCount: breakpoint.captureCount,
                                   captures: 0, lastCaptureNs: sameBreakpoint ? state.lastCaptureNs : 0,
                                   prepaid: sameBreakpoint ? state.prepaid : 0)
            }
            if breakpoint.maxCaptures > 0, breakpoint.captureCount + state.captures >= breakpoint.maxCaptures {
                return .maxCaptures
            }
            if breakpoint.captureFrequency > 0, state.lastCaptureNs != 0,
               Double(nowNs &- state.lastCaptureNs) < breakpoint.captureFrequency * 1e9 {
                return .frequency
            }
            guard budget() else { return .rateLimited }
            state.captures += 1
            state.lastCaptureNs = nowNs
            if prepaid { state.prepaid += 1 }
            return .granted
        }
    }

    /// Takes a slot claimed ahead by `tk_site_claim` for this breakpoint,
    /// if there is one. A slot claimed for a breakpoint since replaced is
    /// gone with it.
    func takePrepaidClaim(_ breakpoint: Breakpoint) -> Bool {
        local.withLock { state in
            guard state.breakpointID == breakpoint.id, state.prepaid > 0 else { return false }
            state.prepaid -= 1
            return true
        }
    }

    /// When capture_frequency allows the next capture here (monotonic ns).
    /// `tk_site_claim`, without a retain of the site or its client.
    public func claim() -> Bool {
        unretainedClient._withUnsafeGuaranteedRef { $0.claim(site: self) }
    }

    func nextCaptureAllowedNs(_ breakpoint: Breakpoint) -> UInt64 {
        let lastCaptureNs = local.withLock { $0.breakpointID == breakpoint.id ? $0.lastCaptureNs : 0 }
        return lastCaptureNs &+ UInt64(breakpoint.captureFrequency * 1e9)
    }

    /// Gives back a slot whose capture failed on invalid input.
    func refundCapture(_ breakpoint: Breakpoint) {
        suppression.clear()  // a max_captures refusal may no longer hold
        local.withLock { state in
            guard state.breakpointID == breakpoint.id, state.captures > 0 else { return }
            state.captures -= 1
        }
    }

    /// `{"breakpoint_id":…,"service_name":…,"file_path":…,"line_number":…,"function_name":…,"label":…`
    /// without the brace (docs/PROTOCOL.md "Capture").
    private func bodyMembers(_ breakpoint: Breakpoint) -> [UInt8] {
        var body = SnapshotBody()
        body.string("breakpoint_id", breakpoint.id)
        body.string("service_name", client.options.serviceName)
        body.string("file_path", key.file)
        body.int("line_number", key.line)
        body.string("function_name", key.function)
        body.string("label", key.label)
        return body.members()
    }

    enum ClaimResult { case granted, maxCaptures, frequency, rateLimited }

    struct LocalCount {
        var breakpointID = ""
        var serverCount = 0
        var captures = 0
        var lastCaptureNs: UInt64 = 0
        /// Slots claimed by `tk_site_claim` that no capture has used yet.
        var prepaid = 0
    }
}
