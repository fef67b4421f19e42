import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
@testable import TraceKitServer

/// The dashboard: sign-in with the admin key gives an HttpOnly SameSite=Strict
/// session cookie that opens the pages and /api/; nothing works without it.
@Suite("Dashboard sign-in, pages and live events")
struct DashboardTests {
    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
    }

    static func send(_ server: TestServer, _ method: HTTPRequest.Method, _ path: String, cookie: String? = nil,
                     form: String? = nil, json: String? = nil, extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        if let cookie { headers[.cookie] = "tk_session=\(cookie)" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if json != nil { headers[.contentType] = "application/json" }
        let body = (form ?? json).map { ByteBuffer(string: $0) }
        let response = try await server.client.execute(uri: path, method: method, headers: headers, body: body)
        return Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }

    /// Signs in and returns the session token from Set-Cookie.
    static func signIn(_ server: TestServer) async throws -> String {
        let key = server.adminKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let reply = try await send(server, .post, "/login", form: "key=\(key)")
        #expect(reply.status == .seeOther)
        #expect(reply.headers[.location] == "/")
        let cookie = try #require(reply.headers[.setCookie])
        let token = try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
        return String(token)
    }

    @Test("Signing in sets an HttpOnly, SameSite=Strict session cookie; a wrong or SDK key does not")
    func signIn() async throws {
        try await TestServer.run { server in
            let key = server.adminKey
            let reply = try await Self.send(server, .post, "/login", form: "key=\(key)")
            let cookie = try #require(reply.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            for bad in ["tk_wrong", server.sdkKey, ""] {
                let refused = try await Self.send(server, .post, "/login", form: "key=\(bad)")
                #expect(refused.status == .seeOther)
                #expect(refused.headers[.location] == "/login?error=1")
                #expect(refused.headers[.setCookie] == nil)
            }
        }
    }

    @Test("Pages redirect to /login without a session; with one they serve the app with a strict CSP")
    func pagesNeedASession() async throws {
        try await TestServer.run { server in
            for path in ["/", "/breakpoints", "/code", "/snapshots", "/snapshots/abc"] {
                let anonymous = try await Self.send(server, .get, path)
                #expect(anonymous.status == .seeOther, "\(path)")
                #expect(anonymous.headers[.location] == "/login")
                let forged = try await Self.send(server, .get, path, cookie: "tk_forged")
                #expect(forged.status == .seeOther, "\(path)")
            }
            let login = try await Self.send(server, .get, "/login")
            #expect(login.status == .ok)
            #expect(login.body.contains("name=\"key\""))
            let token = try await Self.signIn(server)
            let page = try await Self.send(server, .get, "/snapshots", cookie: token)
            #expect(page.status == .ok)
            #expect(page.body.contains("/assets/app.js"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let script = try await Self.send(server, .get, "/assets/app.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            // The page never builds HTML from strings.
            #expect(!script.body.contains("innerHTML"))
            #expect(try await Self.send(server, .get, "/assets/nope.js").status == .notFound)
        }
    }

    @Test("The session opens /api/; writes also need X-Requested-With; sign-out ends it")
    func apiWithSession() async throws {
        try await TestServer.run { server in
            #expect(try await Self.send(server, .get, "/api/services").status == .unauthorized)
            let token = try await Self.signIn(server)
            #expect(try await Self.send(server, .get, "/api/services", cookie: token).status == .ok)
            let body = #"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42}"#
            let withoutMarker = try await Self.send(server, .post, "/api/breakpoints", cookie: token, json: body)
            #expect(withoutMarker.status == .forbidden)
            let markerName = try #require(HTTPField.Name("X-Requested-With"))
            let marker: HTTPFields = [markerName: "tracekit-dashboard"]
            let created = try await Self.send(server, .post, "/api/breakpoints", cookie: token, json: body, extra: marker)
            #expect(created.status == .created)
            let out = try await Self.send(server, .post, "/logout", cookie: token)
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await Self.send(server, .get, "/api/services", cookie: token).status == .unauthorized)
            #expect(try await Self.send(server, .get, "/", cookie: token).status == .seeOther)
        }
    }

    @Test("Revoking the admin key that signed in ends its sessions")
    func revokedKeyEndsSession() async throws {
        try await TestServer.run { server in
            let created = try await server.admin(.post, "/api/keys", #"{"name": "second admin", "role": "admin"}"#)
            let secret = try #require(created["key"]?.stringValue)
            let id = try #require(created["id"]?.stringValue)
            let signedIn = try await Self.send(server, .post, "/login", form: "key=\(secret)")
            let cookie = try #require(signedIn.headers[.setCookie])
            let token = String(try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last))
            #expect(try await Self.send(server, .get, "/api/services", cookie: token).status == .ok)
            #expect(try await server.admin(.delete, "/api/keys/\(id)").status == .ok)
            #expect(try await Self.send(server, .get, "/api/services", cookie: token).status == .unauthorized)
            #expect(try await Self.send(server, .get, "/", cookie: token).status == .seeOther)
        }
    }

    @Test("The event stream needs a session or admin key and reports captures, kill switch and code")
    func liveEvents() async throws {
        try await TestServer.run { server in
            #expect(try await Self.send(server, .get, "/dashboard/events").status == .unauthorized)
            let events = try SSETestClient(port: server.port, path: "/dashboard/events", key: server.adminKey)
            defer { events.close() }
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "app/pay.py", "line_number": 42}"#)
            _ = try await events.next("breakpoints") { data in
                data["breakpoints"]?.arrayValue?.contains { $0["id"]?.stringValue == id } == true
            }
            let beforeCapture = events.position
            #expect(try await server.capture(id).status == .created)
            _ = try await events.next("breakpoints") { data in
                data["breakpoints"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["capture_count"]?.intValue == 1
            }
            // The digest reads breakpoints and markers one after the other: a
            // capture committed in between shows its snapshot one digest early.
            events.rewind(to: beforeCapture)
            _ = try await events.next("snapshots") { $0["latest_seq"]?.intValue ?? 0 > 0 }
            _ = try await server.admin(.post, "/api/services/checkout/kill-switch", #"{"enabled": true}"#)
            _ = try await events.next("services") { data in
                data["services"]?.arrayValue?.first { $0["name"]?.stringValue == "checkout" }?["kill_switch"]?.boolValue == true
            }
            let export = Array(TraceIngestTests.jsonExport().utf8)
            #expect(try await TraceIngestTests.post(server, body: export, contentType: "application/json").status == .ok)
            _ = try await events.next("code") { $0["locations"]?.intValue == 2 }
        }
    }

    @Test("Session store: tokens expire, capacity is bounded, cookies parse")
    func sessions() {
        let record = APIKeyRecord(id: "k", name: "admin", prefix: "tk_", role: .admin, services: nil, createdAt: 0, revokedAt: nil)
        let sessions = DashboardSessions(lifetime: 10, capacity: 2)
        let a = sessions.create(for: record, now: 0)
        #expect(sessions.key(token: a, now: 5)?.id == "k")
        #expect(sessions.key(token: a, now: 11) == nil)
        let b = sessions.create(for: record, now: 20)
        let c = sessions.create(for: record, now: 21)
        let d = sessions.create(for: record, now: 22)
        #expect(sessions.key(token: b, now: 23) == nil)
        #expect(sessions.key(token: c, now: 23) != nil && sessions.key(token: d, now: 23) != nil)
        #expect(DashboardSessions.token(cookieHeader: "a=1; tk_session=xyz; b=2") == "xyz")
        #expect(DashboardSessions.token(cookieHeader: "a=1") == nil)
    }
}
