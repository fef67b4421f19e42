import CCurl
import TraceKitCore

/// One request on its own libcurl easy handle: the options it is sent with,
/// the state the callbacks write into, and how libcurl's result reads as a
/// `TransportError`. `HTTPSession` runs several at once on its multi handle
/// and reuses finished ones (`prepare` resets the handle).
///
/// Ownership: belongs to one `HTTPSession`, used on its thread only.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = 256  // CURL_ERROR_SIZE
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// What the callbacks write into; kept alive here while libcurl holds a pointer to it.
    private(set) var context = TransferContext(maxBodyBytes: 0, sink: nil)
    private(set) var request = HTTPRequest(method: .get, url: "")
    /// The caller's name for this transfer (`HTTPTransport.start`).
    var tag = 0

    init?() {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    /// Sets every option for `request` on the (reset) handle; nil when it is ready to add to a multi handle.
    func prepare(_ request: HTTPRequest, context: TransferContext, streaming: Bool) -> TransportError? {
        if let problem = Self.validate(request) { return problem }
        self.request = request
        self.context = context
        curl_slist_free_all(headerList)
        headerList = nil
        // "Expect:" (empty) stops libcurl waiting for "100 Continue" on POSTs.
        let lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" } + ["Expect:"]
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                return TransportError(.other, "out of memory building the header list")
            }
            headerList = appended
        }
        return configure(streaming: streaming)
    }

    /// Connections this transfer opened (a reused one counts 0).
    var connectionsOpened: Int {
        var count = 0
        return tk_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &count) == CURLE_OK ? count : 0
    }

    /// The whole response, or why there is none, once libcurl reported `code`.
    func result(_ code: CURLcode) -> HTTPResponseResult {
        if let error = error(code) { return .failure(error) }
        return .success(HTTPResponse(statusCode: context.headers.statusCode, body: context.body,
                                     retryAfterSeconds: context.headers.retryAfterSeconds))
    }

    // MARK: - Options

    /// Safety defaults: TLS peer and host verification on, no redirects
    /// followed, http/https only, `CURLOPT_NOSIGNAL` (no SIGALRM in a host
    /// process), any content encoding libcurl supports accepted and decoded.
    private func configure(streaming: Bool) -> TransportError? {
        // Reset keeps the handle's DNS cache, drops old options; connections live in the multi handle.
        curl_easy_reset(easy)
        errorBuffer[0] = 0
        var failed: CURLcode?
        func check(_ code: CURLcode) { if code != CURLE_OK, failed == nil { failed = code } }
        let context = Unmanaged.passUnretained(self.context).toOpaque()

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
        // HTTPS may negotiate HTTP/2 (libcurl's default): then a transfer
        // waits for the first connection to the host and shares it
        // (multiplexing) instead of opening its own. Plain HTTP stays
        // HTTP/1.1, where waiting would only delay the first transfers.
        if request.url.utf8.starts(with: "https:".utf8) { _ = tk_curl_setopt_long(easy, CURLOPT_PIPEWAIT, 1) }
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

    /// libcurl's result as a `TransportError`; nil for success.
    func error(_ code: CURLcode) -> TransportError? {
        if code == CURLE_OK { return nil }
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
        return TransportError(kind, message(for: code, kind: kind))
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
    private func message(for code: CURLcode, kind: TransportError.Kind) -> String {
        if kind == .responseTooLarge { return "the response exceeded \(request.maxResponseBytes) bytes" }
        var text = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        for header in request.headers where header.value.utf8.count >= 4 {
            text = text.replacing(header.value, with: "[header value]")
        }
        return text
    }
}
