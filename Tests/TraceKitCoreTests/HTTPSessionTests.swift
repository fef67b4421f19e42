import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// Milliseconds taken by `body`.
func elapsedMilliseconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = MonotonicClock.nowNanoseconds()
    let result = try body()
    return (result, Double(MonotonicClock.nowNanoseconds() - start) / 1e6)
}

extension HTTPResponseResult {
    var response: HTTPResponse? { try? get() }
    var error: TransportError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

@Suite("HTTPSession against a loopback stub server")
struct HTTPSessionTests {
    static let apiKey = "tk_live_S3CR3T-api-key-value"

    func withServer(_ body: (StubServer, HTTPSession) throws -> Void) throws {
        let server = try StubServer()
        defer { server.stop() }
        let session = try HTTPSession()
        try body(server, session)
    }

    func get(_ server: StubServer, _ path: String, totalMs: Int = 5_000, maxBytes: Int = 1 << 20) -> HTTPRequest {
        HTTPRequest(method: .get, url: server.baseURL + path, headers: [HTTPHeader("X-API-Key", Self.apiKey)],
                    totalTimeoutMilliseconds: totalMs, maxResponseBytes: maxBytes)
    }

    @Test("returns status and body, and sends headers and the POST body")
    func statusAndBody() throws {
        try withServer { server, session in
            let ok = session.send(get(server, "/status/200")).response
            #expect(ok?.statusCode == 200)
            #expect(ok?.body == Array("status 200".utf8))
            #expect(session.send(get(server, "/status/503")).response?.statusCode == 503)

            let payload = Array("{\"breakpoint_id\":\"bp\"}".utf8)
            let post = HTTPRequest(method: .post, url: server.baseURL + "/echo",
                                   headers: [HTTPHeader("X-API-Key", Self.apiKey), HTTPHeader("Content-Type", "application/json")],
                                   body: payload)
            #expect(session.send(post).response?.body == payload)
            let empty = HTTPRequest(method: .post, url: server.baseURL + "/echo")
            #expect(session.send(empty).response == HTTPResponse(statusCode: 200, body: [], retryAfterSeconds: nil))
        }
    }

    @Test("consecutive requests reuse one connection")
    func connectionReuse() throws {
        try withServer { server, session in
            for _ in 0..<5 { #expect(session.send(get(server, "/status/204")).response?.statusCode == 204) }
            #expect(session.connectionsOpened == 1)
        }
    }

    @Test("bursts of concurrent requests keep their connections: three bursts of six open six")
    func burstsReuseConnections() throws {
        try withServer { server, session in
            for burst in 0..<3 {
                // Staggered stalls: the last of a burst finishes alone, when libcurl's
                // default cache (4 per running transfer) would have closed the others'.
                for tag in 0..<6 { session.start(get(server, "/stall/\(50 + 60 * tag)"), tag: burst * 6 + tag) }
                var finished = 0
                let giveUp = MonotonicClock.nowNanoseconds() + 5_000_000_000
                while finished < 6, MonotonicClock.nowNanoseconds() < giveUp {
                    finished += session.completedTransfers(waitingUpToMs: 1_000).count
                }
                #expect(finished == 6)
            }
            #expect(session.connectionsOpened == 6)
        }
    }

    @Test("started requests run at once: eight 500 ms answers arrive together, each under its tag")
    func concurrentTransfers() throws {
        try withServer { server, session in
            let (finished, ms) = elapsedMilliseconds { () -> [CompletedTransfer] in
                for tag in 0..<8 { session.start(get(server, tag == 2 ? "/status/503" : "/stall/500"), tag: tag) }
                var finished: [CompletedTransfer] = []
                let giveUp = MonotonicClock.nowNanoseconds() + 3_000_000_000
                while finished.count < 8, MonotonicClock.nowNanoseconds() < giveUp {
                    finished += session.completedTransfers(waitingUpToMs: 1_000)
                }
                return finished
            }
            #expect(finished.map(\.tag).sorted() == Array(0..<8))
            #expect(finished.allSatisfy { $0.result.response?.statusCode == ($0.tag == 2 ? 503 : 200) })
            #expect(ms < 2_000, "seven 500 ms requests one after another take 3.5 s; took \(ms) ms")
        }
    }

    @Test("wakeUp from another thread ends a wait for transfers at once")
    func wakeUpEndsWait() throws {
        try withServer { server, session in
            session.start(get(server, "/stall/2000"), tag: 1)
            let wakeUp = session.wakeUp
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { wakeUp() }
            let (finished, ms) = elapsedMilliseconds { session.completedTransfers(waitingUpToMs: 5_000) }
            #expect(finished.isEmpty)
            #expect(ms < 1_000, "woken after \(ms) ms")
        }
    }

    @Test("Retry-After in delta-seconds is parsed; an HTTP-date gives nil")
    func retryAfter() throws {
        try withServer { server, session in
            let seconds = session.send(get(server, "/retry-after/12")).response
            #expect(seconds?.statusCode == 429)
            #expect(seconds?.retryAfterSeconds == 12)
            let date = session.send(get(server, "/retry-after/Wed%2C%2021%20Oct%202026%2007%3A28%3A00%20GMT")).response
            #expect(date?.statusCode == 429)
            #expect(date?.retryAfterSeconds == nil)
            #expect(session.send(get(server, "/status/200")).response?.retryAfterSeconds == nil)
        }
    }

    @Test("the total timeout is enforced: a 600 ms stall fails after about 200 ms")
    func totalTimeout() throws {
        try withServer { server, session in
            let (result, ms) = elapsedMilliseconds { session.send(get(server, "/stall/600", totalMs: 200)) }
            #expect(result.error?.kind == .timedOut)
            #expect(ms >= 190 && ms < 450, "took \(ms) ms")
            // The session is still usable afterwards, and a timeout on a
            // reused connection is still a timeout, not a connect failure.
            #expect(session.send(get(server, "/status/200")).response?.statusCode == 200)
            #expect(session.send(get(server, "/stall/600", totalMs: 200)).error?.kind == .timedOut)
        }
    }

    @Test("a response larger than maxResponseBytes is an error, with or without Content-Length")
    func tooLarge() throws {
        try withServer { server, session in
            #expect(session.send(get(server, "/huge/5000", maxBytes: 1_000)).error?.kind == .responseTooLarge)
            #expect(session.send(get(server, "/huge-chunked/5000000", maxBytes: 1_000)).error?.kind == .responseTooLarge)
            #expect(session.send(get(server, "/huge/1000", maxBytes: 1_000)).response?.body.count == 1_000)
        }
    }

    @Test("connection refused fails fast as a connect error")
    func connectionRefused() throws {
        let session = try HTTPSession()
        let request = HTTPRequest(method: .get, url: "http://127.0.0.1:\(closedLoopbackPort())/x",
                                  headers: [HTTPHeader("X-API-Key", Self.apiKey)])
        let (result, ms) = elapsedMilliseconds { session.send(request) }
        #expect(result.error?.kind == .connectFailed)
        #expect(ms < 1_000, "took \(ms) ms")
    }

    @Test("redirects are not followed and compressed bodies are decoded")
    func redirectsAndEncoding() throws {
        try withServer { server, session in
            #expect(session.send(get(server, "/redirect")).response?.statusCode == 302)
            #expect(session.send(get(server, "/gzip")).response?.body == Array("hello gzip".utf8))
        }
    }

    @Test("unusable requests are refused before anything is sent")
    func invalidRequests() throws {
        let session = try HTTPSession()
        var injected = HTTPRequest(method: .get, url: "http://127.0.0.1:1/")
        injected.headers = [HTTPHeader("X-API-Key", "a\r\nX-Evil: 1")]
        #expect(session.send(injected).error?.kind == .invalidRequest)
        injected.headers = [HTTPHeader("Bad Name", "v")]
        #expect(session.send(injected).error?.kind == .invalidRequest)
        #expect(session.send(HTTPRequest(method: .get, url: "file:///etc/passwd")).error?.kind == .invalidRequest)
        #expect(session.send(HTTPRequest(method: .get, url: "not a url")).error != nil)
    }

    @Test("the API key never appears in an error message")
    func apiKeyNeverInErrors() throws {
        try withServer { server, session in
            let requests = [
                get(server, "/stall/600", totalMs: 100),
                get(server, "/huge/5000", maxBytes: 10),
                HTTPRequest(method: .get, url: "http://127.0.0.1:\(closedLoopbackPort())/", headers: [HTTPHeader("X-API-Key", Self.apiKey)]),
                HTTPRequest(method: .get, url: "https://127.0.0.1:\(server.port)/", headers: [HTTPHeader("X-API-Key", Self.apiKey)]),
                HTTPRequest(method: .get, url: "http://no-such-host.invalid/", headers: [HTTPHeader("X-API-Key", Self.apiKey)]),
                HTTPRequest(method: .get, url: "http://127.0.0.1:1/", headers: [HTTPHeader("X-API-Key", Self.apiKey + "\n")]),
            ]
            var errors = 0
            for request in requests {
                guard let error = session.send(request).error else { continue }
                errors += 1
                #expect(!error.message.contains(Self.apiKey))
                #expect(!error.description.contains(Self.apiKey))
                #expect(!error.message.contains("S3CR3T"))
            }
            #expect(errors == requests.count)
        }
    }

    @Test("TLS to a plain-HTTP server fails as a TLS error")
    func tlsFailure() throws {
        try withServer { server, session in
            let error = session.send(HTTPRequest(method: .get, url: "https://127.0.0.1:\(server.port)/status/200")).error
            #expect(error?.kind == .tls)
        }
    }
}

@Suite("HTTPSession streaming (server-sent events)")
struct HTTPSessionStreamTests {
    func streamRequest(_ server: StubServer, _ path: String) -> HTTPRequest {
        HTTPRequest(method: .get, url: server.baseURL + path,
                    headers: [HTTPHeader("Accept", "text/event-stream"), HTTPHeader("X-API-Key", "k-123456")])
    }

    @Test("chunks from the stream become events; a closed stream ends as peerClosed")
    func deliversEvents() throws {
        let server = try StubServer()
        defer { server.stop() }
        let session = try HTTPSession()
        var parser = EventStreamParser()
        var events: [ServerSentEvent] = []
        var chunks = 0
        let end = session.stream(streamRequest(server, "/sse/close"), idleTimeoutMs: 2_000, shouldStop: { false }) { chunk in
            chunks += 1
            parser.feed(chunk) { events.append($0) }
        }
        #expect(end.reason == .peerClosed)
        #expect(end.statusCode == 200)
        #expect(chunks > 1)
        #expect(events == [
            ServerSentEvent(event: "init", data: "{\"breakpoints\": []}", id: "1"),
            ServerSentEvent(event: "breakpoint_created", data: "{\"id\": \"bp-1\"}", id: "1"),
        ])
        #expect(parser.retryMilliseconds == 1_500)
        #expect(parser.lastEventID == "1")
    }

    @Test("a silent peer ends the stream after the idle timeout")
    func idleTimeout() throws {
        let server = try StubServer()
        defer { server.stop() }
        let session = try HTTPSession()
        var parser = EventStreamParser()
        var events: [String] = []
        let (end, ms) = elapsedMilliseconds {
            session.stream(streamRequest(server, "/sse/silent"), idleTimeoutMs: 300, shouldStop: { false }) { chunk in
                parser.feed(chunk) { events.append($0.event) }
            }
        }
        #expect(end.reason == .idleTimeout)
        #expect(events == ["init", "heartbeat"])
        #expect(ms >= 290 && ms < 1_000, "took \(ms) ms")
    }

    @Test("shouldStop aborts a live stream within 300 ms, and comments keep it from idling out")
    func stopRequest() throws {
        let server = try StubServer()
        defer { server.stop() }
        let session = try HTTPSession()
        let start = MonotonicClock.nowNanoseconds()
        let stopAt = start + 800_000_000
        var stopSeenAt: UInt64 = 0
        let end = session.stream(streamRequest(server, "/sse/trickle"), idleTimeoutMs: 400, shouldStop: {
            let now = MonotonicClock.nowNanoseconds()
            if now >= stopAt, stopSeenAt == 0 { stopSeenAt = now }
            return now >= stopAt
        }) { _ in }
        let returnedAt = MonotonicClock.nowNanoseconds()
        #expect(end.reason == .stopped)
        #expect(end.bytesDelivered > 0)
        #expect(Double(returnedAt - stopAt) / 1e6 < 300, "returned \(Double(returnedAt - stopAt) / 1e6) ms after the stop time")
    }

    @Test("a non-2xx answer ends the stream without delivering its body")
    func httpStatus() throws {
        let server = try StubServer()
        defer { server.stop() }
        let session = try HTTPSession()
        var delivered = 0
        let end = session.stream(streamRequest(server, "/sse/status/503"), idleTimeoutMs: 2_000, shouldStop: { false }) {
            delivered += $0.count
        }
        #expect(end.reason == .httpStatus)
        #expect(end.statusCode == 503)
        #expect(end.retryAfterSeconds == 7)
        #expect(delivered == 0)
    }

    @Test("garbage from the peer is delivered, parsed within bounds, and yields no events")
    func garbage() throws {
        let server = try StubServer()
        defer { server.stop() }
        let session = try HTTPSession()
        var parser = EventStreamParser(maxEventBytes: 4_096)
        var events = 0
        let end = session.stream(streamRequest(server, "/sse/garbage"), idleTimeoutMs: 2_000, shouldStop: { false }) { chunk in
            parser.feed(chunk) { _ in events += 1 }
            #expect(parser.bufferedByteCount <= 4_096)
        }
        #expect(end.reason == .peerClosed)
        #expect(end.bytesDelivered == 65_536)
        #expect(events == 0)
    }

    @Test("a refused connection ends the stream with a connect error")
    func refused() throws {
        let session = try HTTPSession()
        let request = HTTPRequest(method: .get, url: "http://127.0.0.1:\(closedLoopbackPort())/sse")
        let end = session.stream(request, idleTimeoutMs: 2_000, shouldStop: { false }) { _ in }
        guard case .failed(let error) = end.reason else {
            Issue.record("expected a failure, got \(end.reason)")
            return
        }
        #expect(error.kind == .connectFailed)
        #expect(end.statusCode == 0)
    }
}
