import CTraceKitSupport

/// The caller's native stack as text, one frame a line
/// (`function (image+0xoffset)`), for snapshots without a `stack_trace`.
enum NativeStack {
    /// `skip`: frames of this library itself at the top.
    static func capture(maxFrames: Int, skip: Int = 3) -> String {
        var buffer = [CChar](repeating: 0, count: 8192)
        _ = tk_native_stack(&buffer, buffer.count, Int32(skip), Int32(max(1, min(maxFrames, 100))))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
