import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("Backoff and its random source")
struct BackoffTests {
    @Test("SplitMix64 matches the reference sequence")
    func splitMixReference() {
        var random = SplitMix64(seed: 1_234_567)
        #expect([random.next(), random.next(), random.next()] == [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
        ])
    }

    @Test("without jitter the delay doubles up to the cap")
    func exponential() {
        var backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 1_000, jitter: .none)
        var random = SplitMix64(seed: 1)
        let delays = (0..<6).map { _ in backoff.nextDelayMilliseconds(using: &random) }
        #expect(delays == [100, 200, 400, 800, 1_000, 1_000])
        backoff.reset()
        #expect(backoff.nextDelayMilliseconds(using: &random) == 100)
    }

    @Test("full jitter stays within 0 … min(cap, base·2ⁿ)")
    func fullJitterBounds() {
        var random = SplitMix64(seed: 7)
        for attempt in 0..<20 {
            var backoff = Backoff(baseMilliseconds: 50, capMilliseconds: 30_000, jitter: .full)
            for _ in 0..<attempt { _ = backoff.nextDelayMilliseconds(using: &random) }
            let ceiling = min(30_000, 50 << attempt)
            for _ in 0..<200 {
                var copy = backoff
                let delay = copy.nextDelayMilliseconds(using: &random)
                #expect((0...ceiling).contains(delay))
            }
        }
    }

    @Test("decorrelated jitter stays within base … cap")
    func decorrelatedBounds() {
        var random = SplitMix64(seed: 11)
        var backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 5_000, jitter: .decorrelated)
        var sawCapRegion = false
        for _ in 0..<1_000 {
            let delay = backoff.nextDelayMilliseconds(using: &random)
            #expect((100...5_000).contains(delay))
            sawCapRegion = sawCapRegion || delay > 2_500
        }
        #expect(sawCapRegion, "the delay grows towards the cap")
    }

    @Test("the same seed gives the same delays; another seed does not")
    func deterministic() {
        func delays(seed: UInt64) -> [Int] {
            var random = SplitMix64(seed: seed)
            var backoff = Backoff(baseMilliseconds: 100, capMilliseconds: 60_000, jitter: .full)
            return (0..<12).map { _ in backoff.nextDelayMilliseconds(using: &random) }
        }
        #expect(delays(seed: 42) == delays(seed: 42))
        #expect(delays(seed: 42) != delays(seed: 43))
    }

    @Test("huge parameters and endless failures neither trap nor exceed the cap")
    func noOverflow() {
        var random = SplitMix64(seed: 5)
        for jitter in [Backoff.Jitter.none, .full, .decorrelated] {
            var backoff = Backoff(baseMilliseconds: Int.max / 2, capMilliseconds: Int.max, jitter: jitter)
            for _ in 0..<200 { #expect(backoff.nextDelayMilliseconds(using: &random) >= 0) }
            var odd = Backoff(baseMilliseconds: -5, capMilliseconds: -10, jitter: jitter)
            for _ in 0..<100 { #expect((0...1).contains(odd.nextDelayMilliseconds(using: &random))) }
        }
    }
}
