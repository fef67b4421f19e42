import Hummingbird
import Synchronization

/// Signed-in dashboard sessions: a random token (the cookie) maps to the
/// admin key that signed in. Sessions expire after `lifetime`; at most
/// `capacity` exist (the oldest is dropped), so memory stays bounded. They
/// are also stored (token hashed, `Store+Sessions`) so a restart keeps them;
/// a session whose key was revoked is never restored.
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
        let token = StoreIDs.newSecret() + StoreIDs.newSecret().dropFirst(3)
        sessions.withLock { sessions in
            sessions = sessions.filter { now - $0.value.createdAt < lifetime }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.createdAt < $1.value.createdAt }) {
                sessions.removeValue(forKey: oldest.key)
            }
            sessions[SHA256.hexDigest(token)] = Session(key: key, createdAt: now)
        }
        return token
    }

    /// Starts a session and stores it (a configured admin key, never stored
    /// itself, gets an in-memory session only).
    func start(for key: APIKeyRecord, store: any ServerStore, now: Double) async throws -> String {
        let token = create(for: key, now: now)
        if key.id != "configured-admin" {
            try await store.saveSession(tokenHash: SHA256.hexDigest(token), keyID: key.id, createdAt: now,
                                        expiredBefore: now - lifetime, capacity: capacity)
        }
        return token
    }

    /// Ends a session in memory and in the store.
    func finish(token: String, store: any ServerStore) async throws {
        end(token: token)
        try await store.deleteSession(tokenHash: SHA256.hexDigest(token))
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
    func session(of request: Request, store: any ServerStore) async throws -> (token: String, key: APIKeyRecord)? {
        guard let token = Self.token(cookieHeader: request.headers[.cookie]), !token.isEmpty, token.utf8.count <= 256 else {
            return nil
        }
        let now = Timestamps.now()
        var live = key(token: token, now: now)
        if live == nil { live = try await restore(token: token, store: store, now: now) }
        guard let key = live else { return nil }
        // The configured admin key (id "configured-admin", see KeyAuthenticator) is never stored, so it cannot be revoked.
        if key.id != "configured-admin", try await !store.isKeyActive(id: key.id) {
            end(token: token)
            return nil
        }
        return (token, key)
    }

    /// A session stored before a restart, back in memory; nil if there is none.
    private func restore(token: String, store: any ServerStore, now: Double) async throws -> APIKeyRecord? {
        let hash = SHA256.hexDigest(token)
        guard let stored = try await store.storedSession(tokenHash: hash, notBefore: now - lifetime) else { return nil }
        sessions.withLock { $0[hash] = Session(key: stored.key, createdAt: stored.createdAt) }
        return stored.key
    }

    func end(token: String) {
        end(tokenHash: SHA256.hexDigest(token))
    }

    /// Ends a session in memory (it ended in the store, maybe on another instance).
    func end(tokenHash: String) {
        _ = sessions.withLock { $0.removeValue(forKey: tokenHash) }
    }

    /// Drops every stored session from memory; each is restored from the
    /// store on its next request if it still exists there.
    func forgetStored() {
        sessions.withLock { sessions in sessions = sessions.filter { $0.value.key.id == "configured-admin" } }
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
