import CCurl
import Glibc
import TraceKitCore

/// libcurl's process-wide setup, done once before the first handle exists.
/// A `static let` is initialised exactly once, thread-safely, on first use.
enum CurlRuntime {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
}

/// An HTTP client for one background thread (the sync or the sender thread).
///
/// It keeps one libcurl easy handle, driven through a private multi handle,
/// so consecutive requests to the same server reuse the connection, and so
/// the transfer loop wakes at least every 100 ms to check timeouts and stop
/// requests. (`curl_easy_perform` can sleep a second between progress callbacks.)
///
/// Ownership: NOT thread-safe. Create it on the thread that uses it, use it
/// only there, and let it die there. It is deliberately not `Sendable`.
///
/// Safety defaults: TLS peer and host verification on, no redirects followed,
/// http/https only, `CURLOPT_NOSIGNAL` (no SIGALRM in a host process), any
/// content encoding libcurl supports accepted and decoded.
public final class HTTPSession {
    private let easy: UnsafeMutableRawPointer
    private let multi: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = 256  // CURL_ERROR_SIZE
    private static let pollIntervalMilliseconds: Int32 = 100

    /// Connections opened so far (reuse keeps this low); for tests and stats.
    public private(set) var connectionsOpened = 0

    public init() throws(TransportError) {
        guard CurlRuntime.initialized else { throw TransportError(.other, "curl_global_init failed") }
        guard let easy = curl_easy_init() else { throw TransportError(.other, "curl_easy_init failed") }
        guard let multi = curl_multi_init() else {
            curl_easy_cleanup(easy)
            throw TransportError(.other, "curl_multi_init failed")
        }
        self.easy = easy
        self.multi = multi
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
    }

    deinit {
        curl_multi_cleanup(multi)
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    /// Performs one request and collects the whole (bounded) response.
    public func send(_ request: HTTPRequest) -> HTTPResponseResult {
        let context = TransferContext(maxBodyBytes: request.maxResponseBytes, sink: nil)
        let outcome = run(request, context: context, streaming: false) { nil }
        switch outcome {
        case .failure(let error):
            return .failure(error)
        case .success:
            return .success(HTTPResponse(
                statusCode: context.headers.statusCode, body: context.body,
                retryAfterSeconds: context.headers.retryAfterSeconds))
        }
    }

    /// Opens a long-lived response (server-sent events) and hands each body
    /// chunk to `onData` as it arrives, until the peer closes, an error, no
    /// byte for `idleTimeoutMs` (headers and comments count), or
    /// `shouldStop()` returns true (checked at least every 100 ms).
    /// A non-2xx response ends the stream at once (`.httpStatus`).
    public func stream(_ request: HTTPRequest, idleTimeoutMs: Int, shouldStop: () -> Bool,
                       onData: (UnsafeRawBufferPointer) -> Void) -> StreamEnd {
        withoutActuallyEscaping(onData) { sink in
            let context = TransferContext(maxBodyBytes: Int.max, sink: sink)
            let idleNs = UInt64(max(1, idleTimeoutMs)) &* 1_000_000
            var aborted: StreamEnd.Reason?
            let outcome = run(request, context: context, streaming: true) {
                if shouldStop() {
                    aborted = .stopped
                } else if MonotonicClock.nowNanoseconds() &- context.lastActivityNs > idleNs {
                    aborted = .idleTimeout
                }
                return aborted
            }
            let reason: StreamEnd.Reason
            if let aborted {
                reason = aborted
            } else if context.headers.statusCode != 0, !(200...299).contains(context.headers.statusCode) {
                reason = .httpStatus
            } else if let error = outcome.error {
                reason = .failed(error)
            } else if context.headers.statusCode == 0 {
                reason = .failed(TransportError(.other, "the server sent no response"))
            } else {
                reason = .peerClosed
            }
            context.sink = nil
            return StreamEnd(reason: reason, statusCode: context.headers.statusCode,
                             retryAfterSeconds: context.headers.retryAfterSeconds,
                             bytesDelivered: context.bytesDelivered)
        }
    }

    // MARK: - One transfer

    private enum Outcome {
        case success
        case failure(TransportError)

        var error: TransportError? {
            if case .failure(let error) = self { return error }
            return nil
        }
    }

    private func run(_ request: HTTPRequest, context: TransferContext, streaming: Bool,
                     abortCheck: () -> StreamEnd.Reason?) -> Outcome {
        if let problem = Self.validate(request) { return .failure(problem) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // "Expect:" (empty) stops libcurl waiting for "100 Continue" on POSTs.
        let lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" } + ["Expect:"]
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                return .failure(TransportError(.other, "out of memory building the header list"))
            }
            headerList = appended
        }

        let context = Unmanaged.passRetained(context)
        defer { context.release() }
        if let problem = configure(request, headerList: headerList, context: context.toOpaque(), streaming: streaming) {
            return .failure(problem)
        }
        let code = transfer(abortCheck: abortCheck)
        countConnections()
        guard let code else { return .success }  // aborted by abortCheck; the caller knows why
        return classify(code, context: context.takeUnretainedValue(), request: request)
    }

    /// Runs the transfer on the multi handle. Returns libcurl's result, or
    /// nil when `abortCheck` stopped it.
    private func transfer(abortCheck: () -> StreamEnd.Reason?) -> CURLcode? {
        guard curl_multi_add_handle(multi, easy) == CURLM_OK else { return CURLE_FAILED_INIT }
        // Removing the handle mid-transfer aborts it and closes its connection.
        defer { curl_multi_remove_handle(multi, easy) }
        while true {
            var running: Int32 = 0
            guard curl_multi_perform(multi, &running) == CURLM_OK else { return CURLE_FAILED_INIT }
            if running == 0 { return finishedResult() }
            if abortCheck() != nil { return nil }
            _ = curl_multi_poll(multi, nil, 0, Self.pollIntervalMilliseconds, nil)
        }
    }

    private func finishedResult() -> CURLcode {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, message.pointee.easy_handle == easy {
                return message.pointee.data.result
            }
        }
        return CURLE_FAILED_INIT
    }

    private func countConnections() {
        var count = 0
        if tk_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &count) == CURLE_OK {
            connectionsOpened &+= count
        }
    }

    // MARK: - Options

    /// Sets every option for this request on the (reset) handle.
    private func configure(_ request: HTTPRequest, headerList: UnsafeMutablePointer<curl_slist>?,
                           context: UnsafeMutableRawPointer, streaming: Bool) -> TransportError? {
        // Reset keeps live connections and the DNS cache, drops old options.
        curl_easy_reset(easy)
        errorBuffer[0] = 0
        var failed: CURLcode?
        func check(_ code: CURLcode) { if code != CURLE_OK, failed == nil { failed = code } }

        check(request.url.withCString { tk_curl_setopt_ptr(easy, CURLOPT_URL, $0) })
        check(tk_curl_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(tk_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        check(tk_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(tk_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        check(tk_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        check(tk_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        check(tk_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, clampedLong(request.connectTimeoutMilliseconds)))
        check(tk_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList))
        check(tk_curl_setopt_write(easy, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            TransferContext.from(user)?.receiveBody(data, size &* count) ?? 0
        }))
        check(tk_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, context))
        check(tk_curl_setopt_write(easy, CURLOPT_HEADERFUNCTION, { data, size, count, user in
            TransferContext.from(user)?.receiveHeader(data, size &* count) ?? 0
        }))
        check(tk_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, context))
        check(tk_curl_setopt_prereq(easy, CURLOPT_PREREQFUNCTION, { user, _, _, _, _ in
            TransferContext.from(user)?.connectionReady()
            return 0  // CURL_PREREQFUNC_OK
        }))
        check(tk_curl_setopt_ptr(easy, CURLOPT_PREREQDATA, context))
        // Optional: libcurl may be built without some decoders.
        _ = tk_curl_setopt_ptr(easy, CURLOPT_ACCEPT_ENCODING, "")
        if streaming {
            _ = tk_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        } else {
            check(tk_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, clampedLong(request.totalTimeoutMilliseconds)))
            check(tk_curl_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(clamping: max(0, request.maxResponseBytes))))
        }
        switch request.method {
        case .get:
            check(tk_curl_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case .post:
            // Size first: COPYPOSTFIELDS then copies exactly that many bytes
            // (binary-safe), so the body need not outlive this call.
            check(tk_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            check(request.body.withUnsafeBytes { raw in
                tk_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, raw.baseAddress ?? UnsafeRawPointer(errorBuffer))
            })
        }
        guard let failed else { return nil }
        return TransportError(.invalidRequest, "could not configure the request: \(String(cString: curl_easy_strerror(failed)))")
    }

    private func clampedLong(_ milliseconds: Int) -> Int {
        min(max(1, milliseconds), Int(Int32.max))
    }

    /// Refuses what libcurl would send verbatim but should not: a line
    /// break in a header would let a value inject headers.
    private static func validate(_ request: HTTPRequest) -> TransportError? {
        for header in request.headers {
            let name = header.name.utf8
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                return TransportError(.invalidRequest, "invalid header name")
            }
            guard !header.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                return TransportError(.invalidRequest, "header \(header.name) has a line break or NUL in its value")
            }
        }
        guard !request.url.utf8.contains(0) else { return TransportError(.invalidRequest, "URL contains NUL") }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    // MARK: - Errors

    private func classify(_ code: CURLcode, context: TransferContext, request: HTTPRequest) -> Outcome {
        if code == CURLE_OK { return .success }
        let kind: TransportError.Kind
        if context.tooLarge || code == CURLE_FILESIZE_EXCEEDED {
            kind = .responseTooLarge
        } else if code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST
                    || code == CURLE_COULDNT_RESOLVE_PROXY {
            kind = .connectFailed
        } else if code == CURLE_OPERATION_TIMEDOUT {
            // libcurl reports connect and total timeouts with the same code.
            kind = context.connected ? .timedOut : .connectFailed
        } else if Self.tlsCodes.contains(code) {
            kind = .tls
        } else if code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT {
            kind = .invalidRequest
        } else {
            kind = .other
        }
        return .failure(TransportError(kind, message(for: code, kind: kind, request: request)))
    }

    private static var tlsCodes: [CURLcode] {
        [CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
         CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
         CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
         CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
         CURLE_SSL_INVALIDCERTSTATUS, CURLE_USE_SSL_FAILED, CURLE_SSL_CLIENTCERT]
    }

    /// libcurl's detailed message (host, port, OS error), with any header
    /// value scrubbed out in case some future libcurl echoes one.
    private func message(for code: CURLcode, kind: TransportError.Kind, request: HTTPRequest) -> String {
        if kind == .responseTooLarge { return "the response exceeded \(request.maxResponseBytes) bytes" }
        var text = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        for header in request.headers where header.value.utf8.count >= 4 {
            text = text.replacing(header.value, with: "[header value]")
        }
        return text
    }
}
