import Logging
import TraceKitCore

/// Routes the engine's log lines (written from its own threads) to a
/// swift-log Logger. Logger is a Sendable value, so each line is logged on
/// the thread that wrote it, with no shared state.
enum LogBridge {
    static func handler(for logger: Logger) -> TraceKitCore.LogHandler {
        TraceKitCore.LogHandler { level, message in
            logger.log(level: swiftLogLevel(level), "\(message)", source: "TraceKit")
        }
    }

    static func swiftLogLevel(_ level: TraceKitCore.LogHandler.Level) -> Logger.Level {
        switch level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}
