import CTraceKitSupport
import TraceKitCore

/// A suppression a claim decided at a site, and until when it holds, so that
/// the claims that follow are refused by `tk_site_claim` in C
/// (`site_claim.c`: one load, a coarse clock read when it ends at a time, a
/// per-thread count) instead of the locks and clock reads that decided it: this keeps a
/// suppressed checkpoint about as cheap as an inactive one. Kept in the
/// site's C cell; the site clears it whenever its breakpoint changes. A
/// stale hint read by a racing thread refuses at most that one claim.
struct SuppressionHint {
    /// Until the site's breakpoint changes (max_captures reached, expired).
    static let untilBreakpointChanges: UInt64 = ~TK_SUPPRESSION_COUNTER_MASK  // TK_SUPPRESSED_UNTIL_CHANGE

    let cell: UnsafeMutablePointer<tk_site_cell>

    /// The suppression in force, if any; `now` is read only when it ends at a time.
    func current(now: () -> UInt64) -> ClientStats.Counter? {
        let value = tk_site_cell_suppression(cell)
        guard value != 0 else { return nil }
        let untilNs = value & ~TK_SUPPRESSION_COUNTER_MASK
        guard untilNs == Self.untilBreakpointChanges || now() < untilNs else { return nil }
        return ClientStats.Counter(rawValue: Int(value & TK_SUPPRESSION_COUNTER_MASK))
    }

    /// `untilNs` 0: not known, nothing kept.
    func set(_ counter: ClientStats.Counter, untilNs: UInt64) {
        guard untilNs != 0 else { return }
        tk_site_cell_set_suppression(cell, (untilNs & ~TK_SUPPRESSION_COUNTER_MASK) | UInt64(counter.rawValue))
    }

    func clear() {
        tk_site_cell_set_suppression(cell, 0)
    }
}
