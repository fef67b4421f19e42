import CZlib

/// Inflates a gzip (or zlib) body, as OTLP exporters send with
/// `Content-Encoding: gzip`. The output is bounded: a small body that
/// inflates beyond `limit` bytes is refused, not expanded (zip bombs).
enum Gzip {
    enum Failure: Error, Equatable {
        case tooLarge
        case invalid(String)
    }

    /// Not a zlib status: our own marker for "the output would exceed the limit".
    private static let outputLimitReached: Int32 = -1000

    static func inflate(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: a 32 KiB window, and detect the gzip or zlib header automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .invalid("zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        let result: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(clamping: inputBuffer.count)
            var status = Z_OK
            while status == Z_OK {
                status = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(clamping: chunkBuffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { return Self.outputLimitReached }
                output.append(contentsOf: chunk[0..<produced])
                // No progress possible: truncated input.
                if status == Z_OK && stream.avail_in == 0 && produced == 0 { return Z_BUF_ERROR }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { return Z_BUF_ERROR }
            }
            return status
        }
        switch result {
        case Z_STREAM_END: return output
        case Self.outputLimitReached: throw .tooLarge
        case Z_BUF_ERROR: throw .invalid("the gzip body is truncated")
        default: throw .invalid("the body is not valid gzip data")
        }
    }
}
