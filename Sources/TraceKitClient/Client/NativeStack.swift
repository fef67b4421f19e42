import CTraceKitSupport
import TraceKitCore

/// The caller's native stack, for snapshots without a `stack_trace`:
/// addresses taken on the caller's thread (cheap), described as text
/// (`function (image+0xoffset)`, one frame a line) later on the sender's.
public struct NativeStack: Sendable {
    @usableFromInline let addresses: [UInt]

    @usableFromInline init(addresses: [UInt]) {
        self.addresses = addresses
    }

    /// Frames of this library (its own image) at the top are left out.
    /// Inlinable: each frame of this library on the stack costs unwinding
    /// work, so the C entry points take it in their own frame.
    @inlinable
    public static func capture(maxFrames: Int) -> NativeStack {
        let capacity = max(1, min(maxFrames, 100))
        let addresses = [UInt](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = buffer.withMemoryRebound(to: UnsafeMutableRawPointer?.self) {
                Int(tk_stack_addresses($0.baseAddress, Int32(capacity)))
            }
        }
        return NativeStack(addresses: addresses)
    }

    var text: String {
        var pointers = addresses.map { UnsafeMutableRawPointer(bitPattern: $0) }
        var buffer = [CChar](repeating: 0, count: 8192)
        _ = tk_stack_describe(&pointers, Int32(pointers.count), &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
