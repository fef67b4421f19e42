import CCurl
import CTraceKitSupport
import Glibc
import TraceKitCore

/// libcurl's process-wide setup, done once before the first handle exists.
/// A `static let` is initialised exactly once, thread-safely, on first use.
enum CurlRuntime {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
}

/// An HTTP client for one background thread (the sync or the sender thread),
/// built on one libcurl multi handle: its connection cache lets consecutive
/// requests to the same server reuse connections, several transfers run at
/// once (`start` / `completedTransfers`; HTTP/2 multiplexing over https
/// where the server offers it), and a wait inside libcurl ends early when
/// another thread calls `wakeUp` (`curl_multi_wakeup`), so no loop here
/// wakes on a timer to check for work.
///
/// Ownership: NOT thread-safe, except `wakeUp`. Create it on the thread that
/// uses it, use it only there, and let it die there. It is deliberately not `Sendable`.
public final class HTTPSession {
    private let multi: UnsafeMutableRawPointer
    /// Transfers libcurl is running, by easy handle.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Finished transfers kept for reuse (bounded).
    private var spare: [CurlTransfer] = []
    private static let maxSpare = 16
    /// Idle connections kept for reuse: the sender's transfers at once (16 by default).
    private static let maxIdleConnections = 16
    /// Results not yet handed out by `completedTransfers`.
    private var completed: [CompletedTransfer] = []

    /// Connections opened so far (reuse keeps this low); for tests and stats.
    public private(set) var connectionsOpened = 0

    /// Ends a wait of this session's thread inside libcurl at once; callable
    /// from any thread, but only while the session exists (`WakeSignal.attach`
    /// guards that).
    public let wakeUp: @Sendable () -> Void

    public init() throws(TransportError) {
        guard CurlRuntime.initialized else { throw TransportError(.other, "curl_global_init failed") }
        guard let multi = curl_multi_init() else { throw TransportError(.other, "curl_multi_init failed") }
        self.multi = multi
        // HTTP/2 multiplexing is libcurl's default since 7.62; ask for it anyway.
        _ = tk_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        // Keep a connection for each of the sender's transfers at once. By
        // default libcurl keeps 4 per transfer running at that moment: the
        // last of a burst of concurrent deliveries, finishing alone, closed
        // one of the burst's connections, and the next burst connected anew.
        _ = tk_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, Self.maxIdleConnections)
        let handle = MultiHandle(pointer: multi)
        wakeUp = { _ = curl_multi_wakeup(handle.pointer) }
    }

    deinit {
        // Removing a handle mid-transfer aborts it and closes its connection.
        for transfer in running.values { curl_multi_remove_handle(multi, transfer.easy) }
        running.removeAll()
        spare.removeAll()
        curl_multi_cleanup(multi)
    }

    // MARK: - Requests

    /// Performs one request and collects the whole (bounded) response.
    public func send(_ request: HTTPRequest) -> HTTPResponseResult {
        let tag = Int.min
        start(request, tag: tag)
        while true {
            if let index = completed.firstIndex(where: { $0.tag == tag }) { return completed.remove(at: index).result }
            // libcurl caps the wait at its own next timeout (the request's).
            wait(milliseconds: 1_000)
        }
    }

    /// Starts `request` without waiting for it; its result comes out of a
    /// later `completedTransfers` under `tag` (any value but `Int.min`,
    /// which `send` uses).
    public func start(_ request: HTTPRequest, tag: Int) {
        guard let transfer = spare.popLast() ?? CurlTransfer() else {
            completed.append(CompletedTransfer(tag: tag, result: .failure(TransportError(.other, "curl_easy_init failed"))))
            return
        }
        transfer.tag = tag
        let context = TransferContext(maxBodyBytes: request.maxResponseBytes, sink: nil)
        if let problem = transfer.prepare(request, context: context, streaming: false) {
            completed.append(CompletedTransfer(tag: tag, result: .failure(problem)))
            recycle(transfer)
            return
        }
        guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else {
            completed.append(CompletedTransfer(tag: tag, result: .failure(TransportError(.other, "curl_multi_add_handle failed"))))
            recycle(transfer)
            return
        }
        running[transfer.easy] = transfer
    }

    /// Runs the started transfers, waiting up to `waitingUpToMs` (or until
    /// `wakeUp`) for at least one to finish; returns those that did.
    public func completedTransfers(waitingUpToMs milliseconds: Int) -> [CompletedTransfer] {
        if completed.isEmpty { wait(milliseconds: milliseconds) }
        defer { completed.removeAll() }
        return completed
    }

    /// Opens a long-lived response (server-sent events) and hands each body
    /// chunk to `onData` as it arrives, until the peer closes, an error, no
    /// byte for `idleTimeoutMs` (headers and comments count), or
    /// `shouldStop()` returns true. `shouldStop` is asked after each chunk,
    /// after each `wakeUp` and at the idle deadline — never on a timer.
    /// A non-2xx response ends the stream at once (`.httpStatus`).
    public func stream(_ request: HTTPRequest, idleTimeoutMs: Int, shouldStop: () -> Bool,
                       onData: (UnsafeRawBufferPointer) -> Void) -> StreamEnd {
        withoutActuallyEscaping(onData) { sink in
            let context = TransferContext(maxBodyBytes: Int.max, sink: sink)
            defer { context.sink = nil }
            guard let transfer = CurlTransfer() else {
                return StreamEnd(reason: .failed(TransportError(.other, "curl_easy_init failed")), statusCode: 0)
            }
            if let problem = transfer.prepare(request, context: context, streaming: true) {
                return StreamEnd(reason: .failed(problem), statusCode: 0)
            }
            let idleNs = UInt64(max(1, idleTimeoutMs)) &* 1_000_000
            let (code, aborted) = runStream(transfer) { () -> (StreamEnd.Reason?, Int) in
                if shouldStop() { return (.stopped, 0) }
                let quietNs = MonotonicClock.nowNanoseconds() &- context.lastActivityNs
                if quietNs > idleNs { return (.idleTimeout, 0) }
                return (nil, Int((idleNs - quietNs) / 1_000_000) + 1)
            }
            let reason: StreamEnd.Reason
            if let aborted {
                reason = aborted
            } else if context.headers.statusCode != 0, !(200...299).contains(context.headers.statusCode) {
                reason = .httpStatus
            } else if let code, let error = transfer.error(code) {
                reason = .failed(error)
            } else if context.headers.statusCode == 0 {
                reason = .failed(TransportError(.other, "the server sent no response"))
            } else {
                reason = .peerClosed
            }
            return StreamEnd(reason: reason, statusCode: context.headers.statusCode,
                             retryAfterSeconds: context.headers.retryAfterSeconds,
                             bytesDelivered: context.bytesDelivered)
        }
    }

    // MARK: - Driving libcurl

    /// Runs one streaming transfer until it ends (libcurl's result) or
    /// `check` gives a reason to abort; `check` also says how long to wait
    /// at most before asking again.
    private func runStream(_ transfer: CurlTransfer,
                           check: () -> (StreamEnd.Reason?, Int)) -> (CURLcode?, StreamEnd.Reason?) {
        guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else { return (CURLE_FAILED_INIT, nil) }
        // Removing the handle mid-transfer aborts it and closes its connection.
        defer { curl_multi_remove_handle(multi, transfer.easy) }
        while true {
            var active: Int32 = 0
            guard curl_multi_perform(multi, &active) == CURLM_OK else { return (CURLE_FAILED_INIT, nil) }
            if let code = collectFinished(streaming: transfer.easy) {
                connectionsOpened &+= transfer.connectionsOpened
                return (code, nil)
            }
            let (abort, waitMs) = check()
            if let abort { return (nil, abort) }
            poll(milliseconds: waitMs)
        }
    }

    /// Waits for socket activity, libcurl's next timeout, `wakeUp` or
    /// `milliseconds`, then moves what finished to `completed`.
    private func wait(milliseconds: Int) {
        var active: Int32 = 0
        _ = curl_multi_perform(multi, &active)
        _ = collectFinished()
        guard completed.isEmpty else { return }
        poll(milliseconds: milliseconds)
        _ = curl_multi_perform(multi, &active)
        _ = collectFinished()
    }

    /// Waits inside libcurl; the fork gate is open meanwhile (fork_gate.c).
    private func poll(milliseconds: Int) {
        let gateWasHeld = tk_fork_gate_pause()
        _ = curl_multi_poll(multi, nil, 0, Int32(clamping: max(0, milliseconds)), nil)
        tk_fork_gate_resume(gateWasHeld)
    }

    /// Moves finished transfers to `completed`; returns libcurl's result for
    /// the `streaming` transfer when that one finished.
    private func collectFinished(streaming: UnsafeMutableRawPointer? = nil) -> CURLcode? {
        var streamResult: CURLcode?
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            if easy == streaming {
                streamResult = message.pointee.data.result
                continue
            }
            guard let transfer = running.removeValue(forKey: easy) else { continue }
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            connectionsOpened &+= transfer.connectionsOpened
            completed.append(CompletedTransfer(tag: transfer.tag, result: transfer.result(code)))
            recycle(transfer)
        }
        return streamResult
    }

    private func recycle(_ transfer: CurlTransfer) {
        if spare.count < Self.maxSpare { spare.append(transfer) }
    }
}

/// A finished request of `HTTPTransport.start`.
public struct CompletedTransfer: Sendable {
    public var tag: Int
    public var result: HTTPResponseResult
}

/// The multi handle, for `wakeUp` on other threads (`curl_multi_wakeup` is thread-safe).
private struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
