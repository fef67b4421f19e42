import Testing
@testable import TraceKitCore

/// The shape filter gates PCRE2: it may say "maybe" for text a pattern
/// rejects, never "no" for text it matches (CTraceKitScan/shape_filter.c).
@Suite("Shape filter")
struct ShapeFilterTests {
    /// PII, near misses and the separators and bytes the shapes look at.
    static let fragments = [
        "jane.doe@example.com", "a@b.co", "123-45-6789", "078-05-1120", "4111 1111 1111 1111",
        "4111-1111-1111-1111", "4111111111111111", "3782 822463 10005", "555-123-4567", "(555) 123-4567",
        "+1 555 123 4567", "+44 20 7946 0958", "555.123.4567", "2026-12-02T10:11:12Z", "v1.2.3", "123456789",
        "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws/secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "Bearer abcdefghijklmnopqrstuvwxyz012345",
        "sk_live_abcdefghij1234", "password=hunter22", "PWD: 'a b'", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----", "api_key=abcdefghijklmnopqrstuvwxyz",
        "550e8400-e29b-41d4-a716-446655440000", " ", "-", ".", "+", "(", ")", "1", "12", "123", "1234", "x", "é",
    ]

    static let bits: [String: UInt16] = Dictionary(uniqueKeysWithValues:
        BuiltinPatterns.all.enumerated().map { ($0.element.category.rawValue, UInt16(1) << UInt16($0.offset)) })

    /// Every span the regexes find (all run, unfiltered) has its bit set.
    @Test func neverMissesAMatch() {
        let scrubber = Scrubber(customPatterns: [])
        let scratch = ScrubScratch()
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for round in 0..<20_000 {
            // A prefix of 0–70 bytes moves shapes across the 48/64-byte windows.
            var text = [UInt8](repeating: UInt8(ascii: "x"), count: round % 71)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                text += Array(Self.fragments.randomElement(using: &generator)!.utf8)
                if Bool.random(using: &generator) { text.append(UInt8(ascii: " ")) }
            }
            text.withUnsafeBufferPointer { buffer in
                let mask = ShapeFilter.candidates(in: buffer)
                scrubber.findSpans(in: buffer, mask: 0xFFFF, scratch: scratch)
                for span in scratch.spans {
                    checked += 1
                    #expect(mask & (Self.bits[span.category] ?? 0) != 0,
                            "\(span.category) in \(String(decoding: buffer, as: UTF8.self).debugDescription)")
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test(arguments: ["2026-12-02T10:11:12Z", "550e8400-e29b-41d4-a716-b46655440000", "v10.20.30", "SKU-01234",
                      "order 1700000000 shipped", "took 120ms"])
    func commonNonPIIShapesStartNoPattern(text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { ShapeFilter.candidates(in: $0) } == 0)
    }

    @Test func readsBeyondTheTextOnlyWhatIsReadableAndIgnoresIt() {
        // The phone shape continues past the text's end: it must not count.
        let buffer = Array("555-123 4567".utf8)
        buffer.withUnsafeBufferPointer { all in
            let head = UnsafeBufferPointer(rebasing: all[0..<7])
            #expect(ShapeFilter.candidates(in: head, readable: all.count) == 0)
            #expect(ShapeFilter.candidates(in: all) == Self.bits["phone"])
        }
    }
}
