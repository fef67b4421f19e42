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
    let signIns = SignInThrottle()

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
    /// A browser's cross-site post (foreign Origin) is refused, and so is an
    /// address with too many recent failures (429, see `SignInThrottle`).
    @Sendable func login(_ request: Request, context: ServerContext) async throws -> Response {
        guard Self.isSameOrigin(request) else { throw APIError.forbidden("sign-in from another origin is not allowed") }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let now = Timestamps.now()
        if let seconds = signIns.retryAfter(address: address, now: now) {
            var response = APIError(.tooManyRequests, "too_many_sign_ins", "too many failed sign-ins; retry in \(seconds) s").response()
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let key = Self.formField("key", in: String(buffer: body)) ?? ""
        guard let record = try await state.authenticator.authenticate(key), record.role == .admin else {
            signIns.recordFailure(address: address, now: now)
            state.logger.notice("dashboard sign-in refused")
            return Self.redirect("/login?error=1")
        }
        signIns.recordSuccess(address: address)
        let token = try await sessions.start(for: record, store: state.store, now: now)
        var response = Self.redirect("/")
        response.headers[.setCookie] = DashboardSessions.setCookie(token: token, maxAge: Int(sessions.lifetime), secure: isSecure(request))
        return response
    }

    /// Without an Origin header (curl, old browsers) the post is allowed; with
    /// one, its host must be the Host the request was sent to.
    static func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        for scheme in ["http://", "https://"] where origin.lowercased() == scheme + host.lowercased() { return true }
        return false
    }

    /// Whether the browser reached the server over HTTPS: served with TLS, or
    /// (with `trustForwardedProto`) a proxy in front says so.
    func isSecure(_ request: Request) -> Bool {
        if state.config.tlsEnabled { return true }
        let forwarded = request.headers.first { $0.name.canonicalName == "x-forwarded-proto" }?.value
        return state.config.trustForwardedProto && forwarded?.lowercased() == "https"
    }

    @Sendable func logout(_ request: Request, context: ServerContext) async throws -> Response {
        if let (token, _) = try await session(request) {
            try await sessions.finish(token: token, store: state.store)
            await state.store.changes.settled()
        }
        var response = Self.redirect("/login")
        response.headers[.setCookie] = DashboardSessions.setCookie(token: "", maxAge: 0, secure: isSecure(request))
        return response
    }

    @Sendable func asset(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.parameters.decoded("name")
        guard !name.hasSuffix(".html"), assets[name] != nil else { throw APIError.notFound("no asset '\(name)'") }
        return file(name)
    }

    /// The session cookie, or (for tools and tests) an admin X-API-Key.
    /// The stream ends when the session ends or its key is revoked.
    @Sendable func events(_ request: Request, context: ServerContext) async throws -> Response {
        let stillAuthorized: @Sendable () async -> Bool
        if try await session(request) != nil {
            stillAuthorized = { [sessions, store = state.store] in ((try? await sessions.session(of: request, store: store)) ?? nil) != nil }
        } else {
            let secret = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value ?? ""
            guard let key = try await state.authenticator.authenticate(secret) else { throw APIError.unauthorized }
            guard key.role == .admin else { throw APIError.forbidden("the dashboard stream needs an admin key") }
            stillAuthorized = { [authenticator = state.authenticator] in ((try? await authenticator.authenticate(secret)) ?? nil) != nil }
        }
        let channel = context.channel
        return DashboardEvents(state: state, interval: eventInterval, stillAuthorized: stillAuthorized,
                               hangUp: { channel.close(promise: nil) }).stream()
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
