import TraceKitCore

/// Options drawn from the first bytes of a fuzz input, shared by the
/// libFuzzer target and the corpus replay test so both exercise the same
/// configurations: byte 0 picks scrubbing, a custom pattern and the depth,
/// byte 1 the payload limit, byte 2 the string cap. The rest is the JSON.
public enum FuzzOptions {
    public static let headerLength = 3

    public static func options(from header: UnsafeBufferPointer<UInt8>) -> Options {
        var options = Options()
        guard header.count >= headerLength else { return options }
        options.piiScrubbing = header[0] & 0x80 == 0
        if header[0] & 0x40 != 0 {
            try? options.addCustomPattern(name: "fuzz_id", pattern: #"ID-\d{3,6}"#)
        }
        try? options.setCaptureDepth(Int(header[0] & 0x1F))
        let payloads = [0, 1, 64, 100, 512, 4096, 65_536]
        try? options.setMaxPayload(payloads[Int(header[1]) % payloads.count])
        let strings = [0, 1, 8, 64, 1024, 8192]
        try? options.setMaxStringLength(strings[Int(header[2]) % strings.count])
        return options
    }
}
