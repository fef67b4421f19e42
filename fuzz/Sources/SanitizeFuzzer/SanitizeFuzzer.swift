import FuzzDriver
import Glibc
import TraceKitCore
import TraceKitFuzzSupport

/// One input: 3 header bytes of options (see `FuzzOptions`), then a JSON
/// document. Invariants checked: valid input gives valid UTF-8 output
/// within the documented size bound; invalid input gives an offset inside it;
/// a second pass, with every key name now in the thread's cache (so the C
/// loop over plain members, CTraceKitScan/plain_members.c, takes what it
/// can), gives the same output, flags or error as the first.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= FuzzOptions.headerLength else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let options = FuzzOptions.options(from: UnsafeBufferPointer(rebasing: bytes[0..<FuzzOptions.headerLength]))
    let json = UnsafeBufferPointer(rebasing: bytes[FuzzOptions.headerLength...])
    let sanitizer = Sanitizer(options: options)
    do {
        let result = try sanitizer.sanitize(json)
        checkInvariants(result.json, options: options)
        guard let again = try? sanitizer.sanitize(json), again.json == result.json,
              again.securityFlags == result.securityFlags else { trap("the second pass differs from the first") }
    } catch {
        if error.offset < 0 || error.offset > json.count { trap("error offset outside the input") }
        do {
            _ = try sanitizer.sanitize(json)
            trap("the second pass accepted what the first rejected")
        } catch let again {
            if again != error { trap("the second pass gave another error") }
        }
    }
    return 0
}

private func checkInvariants(_ output: [UInt8], options: Options) {
    if String(validating: output, as: UTF8.self) == nil { trap("output is not valid UTF-8") }
    // A sanitized document must itself be accepted, unchanged in size bound.
    var plain = Options()
    plain.piiScrubbing = false
    try? plain.setMaxPayload(0)
    try? plain.setMaxStringLength(0)
    try? plain.setCaptureDepth(0)
    guard (try? Sanitizer(options: plain).sanitize(output)) != nil else { trap("output is not valid JSON") }
    if options.maxPayload > 0, output.count > max(options.maxPayload, 84 + 40) { trap("output over the size bound") }
}

private func trap(_ reason: StaticString) -> Never {
    // The fuzzer treats a crash as the finding; the reason names it in the log.
    print("invariant violated: \(reason)")
    abort()
}

@_cdecl("SanitizeFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    tk_fuzz_run(argc, argv, fuzzOneInput)
}
