import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("Circuit breaker state machine")
struct CircuitBreakerTests {
    // 3 failures within 60 s open it for 5 minutes (the defaults of docs/ARCHITECTURE.md).
    let configuration = CircuitBreaker.Configuration(maxFailures: 3, windowMilliseconds: 60_000, cooldownMilliseconds: 300_000)
    let trip = CircuitBreaker.Trip(failureCount: 3, windowSeconds: 60, cooldownSeconds: 300)

    /// A breaker driven into the open state at time 10 s.
    func openBreaker() -> CircuitBreaker {
        var breaker = CircuitBreaker(configuration: configuration)
        _ = breaker.recordFailure(nowMilliseconds: 1_000)
        _ = breaker.recordFailure(nowMilliseconds: 5_000)
        _ = breaker.recordFailure(nowMilliseconds: 10_000)
        return breaker
    }

    @Test("maxFailures within the window open it, once, with the trip numbers")
    func opens() {
        var breaker = CircuitBreaker(configuration: configuration)
        #expect(breaker.recordFailure(nowMilliseconds: 1_000) == nil)
        #expect(breaker.recordFailure(nowMilliseconds: 2_000) == nil)
        #expect(breaker.state == .closed)
        #expect(breaker.decide(nowMilliseconds: 2_500) == (.allowed, nil))
        #expect(breaker.recordFailure(nowMilliseconds: 3_000) == .opened(trip))
        #expect(breaker.state == .open)
        #expect(breaker.state.name == "open")
        // Late failures of requests sent before it opened change nothing.
        #expect(breaker.recordFailure(nowMilliseconds: 3_100) == nil)
    }

    @Test("failures spread wider than the window do not open it")
    func slidingWindow() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in stride(from: 0, to: 600, by: 31) {
            #expect(breaker.recordFailure(nowMilliseconds: UInt64(second) * 1_000) == nil)
        }
        #expect(breaker.state == .closed)
        #expect(breaker.recentFailureCount <= 2)
    }

    @Test("while open everything is refused until the cooldown passes")
    func refusesDuringCooldown() {
        var breaker = openBreaker()
        for time in stride(from: UInt64(10_000), to: 310_000, by: 10_000) {
            #expect(breaker.decide(nowMilliseconds: time) == (.refused, nil))
        }
        #expect(breaker.decide(nowMilliseconds: 309_999) == (.refused, nil))
    }

    @Test("after the cooldown exactly one probe goes out; its success closes the circuit")
    func probeSucceeds() {
        var breaker = openBreaker()
        #expect(breaker.decide(nowMilliseconds: 310_000) == (.probe, .halfOpened))
        #expect(breaker.state == .halfOpen)
        #expect(breaker.state.name == "half_open")
        #expect(breaker.decide(nowMilliseconds: 310_001) == (.refused, nil))
        #expect(breaker.decide(nowMilliseconds: 900_000) == (.refused, nil))
        #expect(breaker.recordSuccess(nowMilliseconds: 310_050) == .closed)
        #expect(breaker.state == .closed)
        #expect(breaker.decide(nowMilliseconds: 310_060) == (.allowed, nil))
        // It starts counting afresh: two failures do not reopen it.
        _ = breaker.recordFailure(nowMilliseconds: 310_100)
        #expect(breaker.recordFailure(nowMilliseconds: 310_200) == nil)
    }

    @Test("a failed probe reopens the circuit for another full cooldown, without a second trip")
    func probeFails() {
        var breaker = openBreaker()
        #expect(breaker.decide(nowMilliseconds: 320_000) == (.probe, .halfOpened))
        #expect(breaker.recordFailure(nowMilliseconds: 320_500) == .reopened)
        #expect(breaker.state == .open)
        #expect(breaker.decide(nowMilliseconds: 620_499) == (.refused, nil))
        #expect(breaker.decide(nowMilliseconds: 620_500) == (.probe, .halfOpened))
    }

    @Test("successes while closed neither change the state nor report a transition")
    func successWhileClosed() {
        var breaker = CircuitBreaker(configuration: configuration)
        #expect(breaker.recordSuccess(nowMilliseconds: 1) == nil)
        #expect(breaker.state == .closed)
        #expect(CircuitBreaker.State.closed.name == "closed")
    }

    @Test("a clock that goes backwards does not let a probe through early")
    func clockBackwards() {
        var breaker = openBreaker()
        #expect(breaker.decide(nowMilliseconds: 5_000) == (.refused, nil))
    }
}
