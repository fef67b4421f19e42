import Hummingbird
import NIOCore

/// The per-request context: the authenticated key (set by `APIKeyMiddleware`)
/// and the channel, so the SSE hub can hang up on a reader that fell behind.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var apiKey: APIKeyRecord?
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The authenticated key, which must be allowed to act for `service`.
    func requireKey(for service: String) throws(APIError) -> APIKeyRecord {
        guard let apiKey else { throw APIError.unauthorized }
        guard apiKey.allows(service: service) else {
            throw APIError.forbidden("this API key is not valid for service '\(service)'")
        }
        return apiKey
    }
}
