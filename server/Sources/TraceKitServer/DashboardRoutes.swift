import Foundation
import Hummingbird

/// The dashboard: pages (one page app served for each of its paths), its
/// static assets, sign-in / sign-out and the live event stream.
///
/// Sign-in takes an admin key and answers with an HttpOnly, SameSite=Strict
/// session cookie; every page and `/dashboard/events` needs that session
/// (pages redirect to `/login`), and `/api/` accepts it via
/// `DashboardAuthMiddleware`.
struct DashboardRoutes {
    let state: ServerState
    let sessions: DashboardSessions
    let assets: DashboardAssets
    let eventInterval: Duration

    static let pages = ["/", "/services", "/breakpoints", "/code", "/snapshots", "/snapshots/:id"]

    /// No inline script or style, nothing from other origins, no framing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-store",
    ]

    func register(on router: Router<ServerContext>) {
        for page in Self.pages { router.get(RouterPath(stringLiteral: page), use: page(_:context:)) }
        router.get("/login", use: loginPage)
        router.post("/login", use: login)
        router.post("/logout", use: logout)
        router.get("/assets/:name", use: asset)
        router.get("/dashboard/events", use: events)
    }

    func session(_ request: Request) async throws -> (token: String, key: APIKeyRecord)? {
        try await sessions.session(of: request, store: state.store)
    }

    @Sendable func page(_ request: Request, context: ServerContext) async throws -> Response {
        guard try await session(request) != nil else { return Self.redirect("/login") }
        return file("index.html")
    }

    @Sendable func loginPage(_ request: Request, context: ServerContext) async throws -> Response {
        if try await session(request) != nil { return Self.redirect("/") }
        return file("login.html")
    }

    /// Form field `key` (application/x-www-form-urlencoded); an admin key starts a session.
    @Sendable func login(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let key = Self.formField("key", in: String(buffer: body)) ?? ""
        guard let record = try await state.authenticator.authenticate(key), record.role == .admin else {
            state.logger.notice("dashboard sign-in refused")
            return Self.redirect("/login?error=1")
        }
        let token = sessions.create(for: record, now: Timestamps.now())
        var response = Self.redirect("/")
        response.headers[.setCookie] = DashboardSessions.setCookie(token: token, maxAge: Int(sessions.lifetime))
        return response
    }

    @Sendable func logout(_ request: Request, context: ServerContext) async throws -> Response {
        if let (token, _) = try await session(request) { sessions.end(token: token) }
        var response = Self.redirect("/login")
        response.headers[.setCookie] = DashboardSessions.setCookie(token: "", maxAge: 0)
        return response
    }

    @Sendable func asset(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.parameters.decoded("name")
        guard !name.hasSuffix(".html"), assets[name] != nil else { throw APIError.notFound("no asset '\(name)'") }
        return file(name)
    }

    /// The session cookie, or (for tools and tests) an admin X-API-Key.
    @Sendable func events(_ request: Request, context: ServerContext) async throws -> Response {
        if try await session(request) == nil {
            let secret = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value ?? ""
            guard let key = try await state.authenticator.authenticate(secret) else { throw APIError.unauthorized }
            guard key.role == .admin else { throw APIError.forbidden("the dashboard stream needs an admin key") }
        }
        return DashboardEvents(state: state, interval: eventInterval).stream()
    }

    func file(_ name: String) -> Response {
        guard let asset = assets[name] else {
            return APIError(.internalServerError, "missing_asset", "dashboard file '\(name)' is missing from the build").response()
        }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// One field of an urlencoded form body ('+' is a space, %XX decoded).
    static func formField(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            let spaced = parts[1].replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return nil
    }
}
