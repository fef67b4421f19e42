/// Where the library's own log lines go (the C logger, swift-log, …).
public struct LogHandler: Sendable {
    public enum Level: Int32, Sendable { case debug = 0, info = 1, warning = 2, error = 3 }

    public let log: @Sendable (Level, String) -> Void

    public init(_ log: @escaping @Sendable (Level, String) -> Void) {
        self.log = log
    }
}
