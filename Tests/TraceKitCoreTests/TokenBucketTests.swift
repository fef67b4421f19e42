import Dispatch
import Synchronization
import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("Token bucket rate limit")
struct TokenBucketTests {
    let second: UInt64 = 1_000_000_000

    @Test("a full bucket allows a burst of `rate`, then refuses")
    func burst() {
        let bucket = TokenBucket(ratePerSecond: 5)
        let start: UInt64 = 1_000 * second
        let taken = (0..<8).filter { _ in bucket.tryTake(nowNs: start) }.count
        #expect(taken == 5)
    }

    @Test("tokens come back at `rate` per second")
    func refill() {
        let bucket = TokenBucket(ratePerSecond: 10)
        let start: UInt64 = 50 * second
        for _ in 0..<10 { _ = bucket.tryTake(nowNs: start) }
        #expect(!bucket.tryTake(nowNs: start + second / 20))  // 0.5 token
        #expect(bucket.tryTake(nowNs: start + second / 10))   // 1 token
        #expect(!bucket.tryTake(nowNs: start + second / 10))
        // A long pause refills only up to the burst.
        let later = start + 3_600 * second
        #expect((0..<20).filter { _ in bucket.tryTake(nowNs: later) }.count == 10)
    }

    @Test("time going backwards adds no tokens")
    func clockBackwards() {
        let bucket = TokenBucket(ratePerSecond: 2)
        let start: UInt64 = 10 * second
        #expect(bucket.tryTake(nowNs: start))
        #expect(bucket.tryTake(nowNs: start))
        #expect(!bucket.tryTake(nowNs: start - 5 * second))
        #expect(!bucket.tryTake(nowNs: start))
    }

    @Test("rate 0 is unlimited")
    func unlimited() {
        let bucket = TokenBucket(ratePerSecond: 0)
        #expect((0..<100_000).allSatisfy { _ in bucket.tryTake(nowNs: 0) })
    }

    @Test("many threads together take exactly the burst")
    func concurrent() {
        let bucket = TokenBucket(ratePerSecond: 100)
        let taken = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1_000 where bucket.tryTake(nowNs: 7 * second) {
                taken.add(1, ordering: .relaxed)
            }
        }
        #expect(taken.load(ordering: .relaxed) == 100)
    }
}
