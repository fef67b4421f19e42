import CCurl

/// The state libcurl's callbacks write into during one transfer. Reached
/// from C through an opaque pointer (`CURLOPT_WRITEDATA`/`HEADERDATA`).
final class TransferContext {
    let maxBodyBytes: Int
    /// Streaming: bytes go here instead of `body`.
    var sink: ((UnsafeRawBufferPointer) -> Void)?
    private(set) var body: [UInt8] = []
    private(set) var headers = ResponseHeaders()
    private(set) var tooLarge = false
    /// Streaming: a non-2xx status arrived; the transfer was aborted.
    private(set) var rejectedStatus = false
    private(set) var bytesDelivered = 0
    /// Monotonic time of the last byte received (headers included).
    private(set) var lastActivityNs: UInt64

    init(maxBodyBytes: Int, sink: ((UnsafeRawBufferPointer) -> Void)?) {
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.sink = sink
        lastActivityNs = MonotonicClock.nowNanoseconds()
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> TransferContext? {
        pointer.map { Unmanaged<TransferContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// A header line; returns `count` to go on (anything else aborts).
    func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        lastActivityNs = MonotonicClock.nowNanoseconds()
        guard let data else { return count }
        headers.consume(UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    /// A piece of the (decoded) body; returns `count` to go on, 0 to abort.
    func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        lastActivityNs = MonotonicClock.nowNanoseconds()
        guard let data, count > 0 else { return count }
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        if let sink {
            guard (200...299).contains(headers.statusCode) else {
                rejectedStatus = true
                return 0
            }
            bytesDelivered &+= count
            sink(bytes)
            return count
        }
        guard body.count <= maxBodyBytes - count else {
            tooLarge = true
            return 0
        }
        body.append(contentsOf: bytes)
        return count
    }

    /// Whether a timeout hit before the TCP connection was up (libcurl
    /// reports connect and total timeouts with the same code).
    static func timedOutWhileConnecting(_ easy: UnsafeMutableRawPointer) -> Bool {
        var connectMicroseconds: curl_off_t = 0
        guard tk_curl_getinfo_off(easy, CURLINFO_CONNECT_TIME_T, &connectMicroseconds) == CURLE_OK else { return false }
        return connectMicroseconds == 0
    }
}
