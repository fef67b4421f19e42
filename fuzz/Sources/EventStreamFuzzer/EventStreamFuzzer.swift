import FuzzDriver
import Glibc
import TraceKitCore
import TraceKitFuzzSupport

/// One fuzz input: parsed in chunks and whole by `EventStreamParserCheck`
/// (see there for the input layout and the invariants). A violated
/// invariant aborts, which libFuzzer records as a crash with its input.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let violations = EventStreamParserCheck.run(UnsafeRawBufferPointer(start: data, count: size))
    if !violations.isEmpty {
        for violation in violations { report("EventStreamFuzzer invariant violated: \(violation)\n") }
        abort()
    }
    return 0
}

/// Straight to file descriptor 2: unbuffered, so the message survives the abort.
func report(_ message: String) {
    var text = message
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}

@_cdecl("EventStreamFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    tk_fuzz_run(argc, argv, fuzzOneInput)
}
