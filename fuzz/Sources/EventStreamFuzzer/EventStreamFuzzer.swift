import FuzzDriver
import TraceKitCore

/// One fuzz input (placeholder until the target is written).
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    return 0
}

@_cdecl("EventStreamFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    tk_fuzz_run(argc, argv, fuzzOneInput)
}
