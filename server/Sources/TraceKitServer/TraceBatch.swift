/// What trace ingest needs from an OTLP export, whichever encoding it came
/// in (JSON or protobuf): per resource, the service name and, per span, its
/// attributes and the stack traces of its exception events.
public struct TraceBatch: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public var name: String
        /// Scalar attribute values as text (ints and doubles formatted).
        public var attributes: [String: String]
        /// `exception.stacktrace` of each `exception` event.
        public var exceptionStacktraces: [String]

        public init(name: String, attributes: [String: String], exceptionStacktraces: [String]) {
            self.name = name
            self.attributes = attributes
            self.exceptionStacktraces = exceptionStacktraces
        }
    }

    public struct Resource: Sendable, Equatable {
        public var serviceName: String
        public var spans: [Span]
    }

    public var resources: [Resource] = []

    /// OpenTelemetry's name for a resource without `service.name`.
    static let unknownService = "unknown_service"

    /// The services named in this batch (an API key must allow each).
    var serviceNames: Set<String> { Set(resources.map(\.serviceName)) }
}

/// Why a trace export was rejected (answered with 400 and this reason).
public struct TraceDecodingError: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
