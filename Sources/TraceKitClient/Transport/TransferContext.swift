import CCurl
import TraceKitCore

/// The state libcurl's callbacks write into during one transfer. Reached
/// from C through an opaque pointer (`CURLOPT_WRITEDATA`, `HEADERDATA`, `PREREQDATA`).
final class TransferContext {
    let maxBodyBytes: Int
    /// Streaming: bytes go here instead of `body`.
    var sink: ((UnsafeRawBufferPointer) -> Void)?
    private(set) var body: [UInt8] = []
    private(set) var headers = ResponseHeaders()
    private(set) var tooLarge = false
    private(set) var bytesDelivered = 0
    /// The connection was up before the request went out (a timeout after
    /// this is a total timeout, not a connect failure).
    private(set) var connected = false
    /// Monotonic time of the last sign of life: connection up, a header or body byte.
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
            // An error page is not an event stream: end the transfer, the
            // caller reads the status from `headers`.
            guard (200...299).contains(headers.statusCode) else { return 0 }
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

    /// libcurl has a connection (new or reused) and is about to send.
    func connectionReady() {
        connected = true
        lastActivityNs = MonotonicClock.nowNanoseconds()
    }
}
