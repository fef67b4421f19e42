#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Identifiers and secrets the stores hand out.
public enum StoreIDs {
    /// A random (version 4) UUID in lowercase, e.g. a snapshot's id. The
    /// bits come from `RandomBytes`: Foundation's `UUID()` opened, read and
    /// closed `/dev/urandom` for every id, on every capture.
    public static func newID() -> String {
        var bytes = RandomBytes.shared.next16()
        bytes.6 = (bytes.6 & 0x0F) | 0x40  // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80  // RFC 4122 variant
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                var out = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    text[out] = hexDigits[Int(byte >> 4)]
                    text[out + 1] = hexDigits[Int(byte & 0x0F)]
                    out += 2
                }
                return out
            }
        }
    }

    /// `tk_` + 40 hex digits (160 random bits).
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        var hex = ""
        for _ in 0..<5 {
            let word = generator.next() as UInt32
            let text = String(word, radix: 16)
            hex += String(repeating: "0", count: 8 - text.count) + text
        }
        return "tk_" + hex
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// The system's random bytes, drawn 4 KiB at a time and handed out 16 at a
/// time: one read of `/dev/urandom` per 256 ids.
final class RandomBytes: Sendable {
    static let shared = RandomBytes()

    typealias Sixteen = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }
    private let pool = Mutex(Pool())

    func next16() -> Sixteen {
        let (first, second) = pool.withLock { pool -> (UInt64, UInt64) in
            if pool.next == pool.words.count {
                pool.words.withUnsafeMutableBytes(Self.fill)
                pool.next = 0
            }
            defer { pool.next += 2 }
            return (pool.words[pool.next], pool.words[pool.next + 1])
        }
        return unsafeBitCast((first, second), to: Sixteen.self)
    }

    /// Fills `buffer` from the kernel's generator (`/dev/urandom`, one read);
    /// where that fails (no descriptor left, say), from
    /// `SystemRandomNumberGenerator` 8 bytes at a time.
    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        var filled = 0
        #if canImport(Glibc)
        let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if device >= 0 {
            while filled < buffer.count {
                let got = read(device, base + filled, buffer.count - filled)
                if got > 0 { filled += got } else if got < 0 && errno == EINTR { continue } else { break }
            }
            close(device)
        }
        #endif
        var generator = SystemRandomNumberGenerator()
        while filled < buffer.count {
            withUnsafeBytes(of: generator.next() as UInt64) { word in
                for byte in word where filled < buffer.count {
                    buffer[filled] = byte
                    filled += 1
                }
            }
        }
    }
}
