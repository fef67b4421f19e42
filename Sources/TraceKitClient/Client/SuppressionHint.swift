import TraceKitCore
import Synchronization

/// A suppression a claim decided at a site, and until when it holds, so that
/// the claims that follow are refused with one load (and a coarse clock read
/// when it ends at a time) instead of the locks and clock reads that decided
/// it: this keeps a suppressed checkpoint about as cheap as an inactive one.
/// The site clears it whenever its breakpoint changes. A stale hint read by
/// a racing thread refuses at most that one claim.
struct SuppressionHint: ~Copyable {
    /// Until the site's breakpoint changes (max_captures reached, expired).
    static let untilBreakpointChanges: UInt64 = .max

    /// The deadline (monotonic ns) with its low bits holding the counter's
    /// raw value; 0: none.
    private let packed = Atomic<UInt64>(0)
    private static let counterBits: UInt64 = 31

    /// The suppression in force, if any; `now` is read only when it ends at a time.
    func current(now: () -> UInt64) -> ClientStats.Counter? {
        let value = packed.load(ordering: .relaxed)
        guard value != 0 else { return nil }
        let untilNs = value & ~Self.counterBits
        guard untilNs == Self.untilBreakpointChanges & ~Self.counterBits || now() < untilNs else { return nil }
        return ClientStats.Counter(rawValue: Int(value & Self.counterBits))
    }

    func set(_ counter: ClientStats.Counter, untilNs: UInt64) {
        guard untilNs != 0 else { return }
        packed.store((untilNs & ~Self.counterBits) | UInt64(counter.rawValue), ordering: .relaxed)
    }

    func clear() {
        packed.store(0, ordering: .relaxed)
    }
}
