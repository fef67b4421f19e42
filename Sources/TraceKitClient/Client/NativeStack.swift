import CTraceKitSupport
import TraceKitCore

/// The caller's native stack, for snapshots without a `stack_trace`:
/// addresses taken on the caller's thread (cheap), described as text
/// (`function (image+0xoffset)`, one frame a line) later on the sender's.
struct NativeStack: Sendable {
    private let addresses: [UInt]

    /// Frames of this library (its own image) at the top are left out.
    static func capture(maxFrames: Int) -> NativeStack {
        var frames = [UnsafeMutableRawPointer?](repeating: nil, count: max(1, min(maxFrames, 100)))
        let count = Int(tk_stack_addresses(&frames, Int32(frames.count)))
        return NativeStack(addresses: frames.prefix(count).map { UInt(bitPattern: $0) })
    }

    var text: String {
        var pointers = addresses.map { UnsafeMutableRawPointer(bitPattern: $0) }
        var buffer = [CChar](repeating: 0, count: 8192)
        _ = tk_stack_describe(&pointers, Int32(pointers.count), &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
