/// Why a TraceKit call failed: an invalid option, a value that does not
/// encode, or a client that has been shut down.
public struct TraceKitError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidArgument, invalidPattern, invalidJSON, encodingFailed, shutDown, startFailed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
