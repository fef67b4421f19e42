import CTraceKitSupport
import Synchronization
import TraceKitCore

/// Every outcome a client counts (`tk_client_stats`). Lock-free counters:
/// bumped from caller and background threads alike; suppressed claims that
/// a site's hint refuses are counted per thread in `tally` (C) instead.
///
/// `@unchecked Sendable`: `tally` is written once at init; C reads and
/// writes its counts atomically.
final class ClientStats: @unchecked Sendable {
    enum Counter: Int, CaseIterable {
        case captured, sent, failed, retried
        case droppedQueueFull, droppedCircuitOpen
        case suppressedKillSwitch, suppressedCircuit, suppressedRateLimit, suppressedCondition
        case suppressedExpired, suppressedMaxCaptures, suppressedFrequency
        case redactions, truncations
        case polls, pollErrors, sseConnects, sseEvents
        case registrations, registrationErrors, invalidInput, sitesOverflow

        var key: String {
            switch self {
            case .captured: "captured"
            case .sent: "sent"
            case .failed: "failed"
            case .retried: "retried"
            case .droppedQueueFull: "dropped_queue_full"
            case .droppedCircuitOpen: "dropped_circuit_open"
            case .suppressedKillSwitch: "suppressed_kill_switch"
            case .suppressedCircuit: "suppressed_circuit"
            case .suppressedRateLimit: "suppressed_rate_limit"
            case .suppressedCondition: "suppressed_condition"
            case .suppressedExpired: "suppressed_expired"
            case .suppressedMaxCaptures: "suppressed_max_captures"
            case .suppressedFrequency: "suppressed_frequency"
            case .redactions: "redactions"
            case .truncations: "truncations"
            case .polls: "polls"
            case .pollErrors: "poll_errors"
            case .sseConnects: "sse_connects"
            case .sseEvents: "sse_events"
            case .registrations: "registrations"
            case .registrationErrors: "registration_errors"
            case .invalidInput: "invalid_input"
            case .sitesOverflow: "sites_overflow"
            }
        }
    }

    /// Indexed by `Counter.rawValue` (an array index, not a hash: counting
    /// is on the suppressed-checkpoint path).
    private let counters: [Atomic<Int>.Box] = Counter.allCases.map { _ in Atomic<Int>.Box() }

    /// Each thread's counts of the claims refused by a site's suppression
    /// hint (`tk_site_claim` in `site_claim.c`), by `Counter.rawValue`.
    /// Nil if it could not be allocated: every claim then takes the full path.
    let tally: OpaquePointer? = tk_tally_new()

    deinit { tk_tally_free(tally) }

    func add(_ counter: Counter, _ amount: Int = 1) {
        counters[counter.rawValue].value.wrappingAdd(amount, ordering: .relaxed)
    }

    func value(_ counter: Counter) -> Int {
        counters[counter.rawValue].value.load(ordering: .relaxed) &+ Int(tk_tally_sum(tally, Int32(counter.rawValue)))
    }

    /// The counters as `"key":value` pairs, in declaration order.
    var jsonMembers: [(String, Int)] {
        Counter.allCases.map { ($0.key, value($0)) }
    }
}

extension Atomic where Value == Int {
    /// An atomic in a class, so that it can live in a collection.
    final class Box: Sendable {
        let value = Atomic<Int>(0)
    }
}
