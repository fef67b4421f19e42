import Testing
@testable import TraceKitCore

/// The per-thread key-decision cache returns a decision only for the very
/// key it was made for (CTraceKitScan/key_cache.c compares keys by words).
@Suite("Key decisions")
struct KeyDecisionsTests {
    @Test func keysThatDifferInOneByteGetTheirOwnDecision() {
        let decisions = KeyDecisions()
        for padding in 0...60 {
            let secret = Array((String(repeating: "a", count: padding) + "_secret").utf8)
            let plain = Array((String(repeating: "a", count: padding) + "_secrex").utf8)
            for _ in 0..<2 {  // the second round is answered from the cache
                secret.withUnsafeBufferPointer { #expect(decisions.decision(for: $0).policy == .sensitive, "\(padding)") }
                plain.withUnsafeBufferPointer { #expect(decisions.decision(for: $0).policy == .normal, "\(padding)") }
            }
        }
    }

    @Test func typedKeysAndShapesSurviveTheCache() {
        let decisions = KeyDecisions()
        for _ in 0..<2 {
            Array("cardNumber".utf8).withUnsafeBufferPointer {
                #expect(decisions.decision(for: $0).policy == .typed(.creditCard))
            }
            Array("note 555-123-4567".utf8).withUnsafeBufferPointer {
                let decision = decisions.decision(for: $0)
                #expect(decision.policy == .normal && decision.mayHoldPII)
            }
        }
    }
}
