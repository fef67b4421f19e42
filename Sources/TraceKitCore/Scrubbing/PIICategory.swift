/// The 13 built-in PII categories of docs/PII.md, in its order.
/// `rawValue` is the marker name: `[REDACTED:<rawValue>]`.
public enum PIICategory: String, Sendable, CaseIterable {
    case email
    case ssn
    case creditCard = "credit_card"
    case phone
    case awsKey = "aws_key"
    case awsSecret = "aws_secret"
    case oauthToken = "oauth_token"
    case stripeKey = "stripe_key"
    case password
    case jwt
    case privateKey = "private_key"
    case apiKey = "api_key"
    case sensitiveName = "sensitive_name"

    public var marker: String { "[REDACTED:\(rawValue)]" }

    /// The marker's bytes, made once per process.
    var markerBytes: StaticMarker { PIICategory.markers[self] ?? StaticMarker(marker) }

    private static let markers: [PIICategory: StaticMarker] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0, StaticMarker($0.marker)) })
}
