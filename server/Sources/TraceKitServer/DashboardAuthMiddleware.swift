import Hummingbird

/// In front of `/api/`: a dashboard session cookie stands in for the admin
/// key; without one the request goes through `APIKeyMiddleware` (header key).
/// Cookie-authenticated writes must also carry `X-Requested-With:
/// tracekit-dashboard` (the page's fetches do): with SameSite=Strict this
/// is a second guard against cross-site requests.
struct DashboardAuthMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let sessions: DashboardSessions
    let store: any ServerStore
    let keys: APIKeyMiddleware

    static let csrfHeaderValue = "tracekit-dashboard"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (_, key) = try await sessions.session(of: request, store: store) else {
            return try await keys.handle(request, context: context, next: next)
        }
        if request.method != .get && request.method != .head {
            let marker = request.headers.first { $0.name.canonicalName == "x-requested-with" }?.value
            guard marker == Self.csrfHeaderValue else {
                throw APIError.forbidden("dashboard requests that change state need the header X-Requested-With: \(Self.csrfHeaderValue)")
            }
        }
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
