import Hummingbird
import Synchronization

/// Resolves the `X-API-Key` header (or `Authorization: Bearer`) to a stored
/// key. Valid keys are cached by the secret the client sent (it arrives with
/// every request anyway), so a known key costs one look-up and no hash;
/// revocation clears the cache. Keys are never logged.
public final class KeyAuthenticator: Sendable {
    private let store: any ServerStore
    private let configuredAdminHash: String?
    private let cache = Mutex<[String: APIKeyRecord]>([:])

    init(store: any ServerStore, adminKey: String?) {
        self.store = store
        self.configuredAdminHash = adminKey.map(SHA256.hexDigest)
    }

    func authenticate(_ secret: String) async throws -> APIKeyRecord? {
        guard !secret.isEmpty, secret.utf8.count <= 256 else { return nil }
        if let cached = cache.withLock({ $0[secret] }) { return cached }
        let hash = SHA256.hexDigest(secret)
        let record: APIKeyRecord
        if hash == configuredAdminHash {
            record = APIKeyRecord(id: "configured-admin", name: "admin key from configuration", prefix: String(secret.prefix(3)),
                                  role: .admin, services: nil, createdAt: 0, revokedAt: nil)
        } else {
            guard let stored = try await store.key(hash: hash) else { return nil }
            record = stored
        }
        cache.withLock { $0[secret] = record }
        return record
    }

    func invalidate() { cache.withLock { $0.removeAll() } }
}

/// Requires a valid key on every request below it; with `requireAdmin`, an
/// admin key.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let authenticator: KeyAuthenticator
    let requireAdmin: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var secret = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value ?? ""
        if secret.isEmpty, let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            secret = String(authorization.dropFirst(7))
        }
        guard let key = try await authenticator.authenticate(secret) else { throw APIError.unauthorized }
        if requireAdmin && key.role != APIKeyRecord.Role.admin { throw APIError.forbidden("this route needs an admin key") }
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
