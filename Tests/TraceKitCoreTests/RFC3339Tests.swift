import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test("formats UTC with milliseconds, truncating finer digits")
    func format() {
        #expect(RFC3339.format(unixNanoseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(unixNanoseconds: 1_795_608_000_123_456_789) == "2026-11-25T12:00:00.123Z")
        #expect(RFC3339.format(unixNanoseconds: 951_782_399_999_000_000) == "2000-02-28T23:59:59.999Z")
        #expect(RFC3339.format(unixNanoseconds: 951_868_800_000_000_000 - 1) == "2000-02-29T23:59:59.999Z")
    }

    @Test("now() is a well-formed, current timestamp")
    func now() {
        let text = RFC3339.now()
        #expect(text.utf8.count == 24)
        let parsed = RFC3339.parse(text) ?? 0
        let wall = Double(WallClock.nowUnixNanoseconds()) / 1e9
        #expect(abs(parsed - wall) < 5)
    }

    @Test("parses offsets, fractions, lowercase separators", arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-02-29T23:59:59.5+05:30", 1_709_231_399.5),
        ("1999-12-31T19:00:00-05:00", 946_684_800.0),
        ("2000-03-01t00:00:00z", 951_868_800.0),
        ("2000-03-01 00:00:00Z", 951_868_800.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
        ("9999-12-31T23:59:59Z", 253_402_300_799.0),
        ("2026-11-25T12:00:00.123456789Z", 1_795_608_000.123456789),
    ])
    func parse(text: String, seconds: Double) {
        let parsed = RFC3339.parse(text)
        #expect(parsed != nil)
        #expect(abs((parsed ?? .nan) - seconds) < 1e-6)
    }

    @Test("rejects malformed timestamps", arguments: [
        "", "2026-11-25", "2026-11-25T12:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T12:60:00Z", "2026-11-25T12:00:61Z",
        "2026-11-25T12:00:00.Z", "2026-11-25T12:00:00+5:00", "2026-11-25T12:00:00+05:60", "2026-11-25T12:00:00Zjunk",
        "26-11-25T12:00:00Z", "2026/11/25T12:00:00Z", "２０２６-11-25T12:00:00Z", "2026-11-25T12:00:00.\(String(repeating: "1", count: 80))Z",
    ])
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("format and parse round-trip to the millisecond")
    func roundTrip() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<1_000 {
            let nanos = UInt64.random(in: 0...UInt64.max, using: &random)  // up to the year 2554
            let millis = nanos / 1_000_000
            let parsed = RFC3339.parse(RFC3339.format(unixNanoseconds: nanos)) ?? -1
            #expect(abs(parsed - Double(millis) / 1000) < 1e-3)
        }
    }

    @Test("the monotonic clock never goes backwards")
    func monotonic() {
        var last = MonotonicClock.nowNanoseconds()
        for _ in 0..<10_000 {
            let now = MonotonicClock.nowNanoseconds()
            #expect(now >= last)
            last = now
        }
    }
}
