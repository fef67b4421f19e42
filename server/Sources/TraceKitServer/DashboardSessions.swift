import Hummingbird
import Synchronization

/// Signed-in dashboard sessions, in memory: a random token (the cookie) maps
/// to the admin key that signed in. Sessions expire after `lifetime`; at most
/// `capacity` exist (the oldest is dropped), so memory stays bounded.
public final class DashboardSessions: Sendable {
    struct Session {
        let key: APIKeyRecord
        let createdAt: Double
    }

    static let cookieName = "tk_session"
    let lifetime: Double
    let capacity: Int
    /// By SHA-256 of the token, so the table holds no usable secret.
    private let sessions = Mutex<[String: Session]>([:])

    public init(lifetime: Double = 12 * 3600, capacity: Int = 1000) {
        self.lifetime = lifetime
        self.capacity = max(capacity, 1)
    }

    /// Starts a session for `key` and returns its token (for the cookie).
    func create(for key: APIKeyRecord, now: Double) -> String {
        let token = Store.newSecret() + Store.newSecret().dropFirst(3)
        sessions.withLock { sessions in
            sessions = sessions.filter { now - $0.value.createdAt < lifetime }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.createdAt < $1.value.createdAt }) {
                sessions.removeValue(forKey: oldest.key)
            }
            sessions[SHA256.hexDigest(token)] = Session(key: key, createdAt: now)
        }
        return token
    }

    /// The admin key of a live session, or nil.
    func key(token: String, now: Double) -> APIKeyRecord? {
        guard !token.isEmpty, token.utf8.count <= 256 else { return nil }
        let hash = SHA256.hexDigest(token)
        return sessions.withLock { sessions in
            guard let session = sessions[hash] else { return nil }
            guard now - session.createdAt < lifetime else {
                sessions.removeValue(forKey: hash)
                return nil
            }
            return session.key
        }
    }

    /// The session of a request's cookie, if it is live and its key is still
    /// valid (a key revoked since sign-in ends the session).
    func session(of request: Request, store: Store) async throws -> (token: String, key: APIKeyRecord)? {
        guard let token = Self.token(cookieHeader: request.headers[.cookie]),
              let key = key(token: token, now: Timestamps.now()) else { return nil }
        // The configured admin key (id "configured-admin", see KeyAuthenticator) is never stored, so it cannot be revoked.
        if key.id != "configured-admin", try await !store.isKeyActive(id: key.id) {
            end(token: token)
            return nil
        }
        return (token, key)
    }

    func end(token: String) {
        let hash = SHA256.hexDigest(token)
        _ = sessions.withLock { $0.removeValue(forKey: hash) }
    }

    /// The session token from a `Cookie` header, if any.
    static func token(cookieHeader: String?) -> String? {
        guard let cookieHeader else { return nil }
        for pair in cookieHeader.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingWhitespace() == cookieName { return parts[1].trimmingWhitespace() }
        }
        return nil
    }

    /// `secure` when the browser reached the server over HTTPS (the cookie is then never sent in clear).
    static func setCookie(token: String, maxAge: Int, secure: Bool = false) -> String {
        "\(cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(secure ? "; Secure" : "")"
    }
}
