/// Turns the spans of a trace export into code locations per service:
/// one from the span's `code.*` attributes (old and new semantic-convention
/// names), plus the frames of each exception stack trace.
enum CodeLocationExtractor {
    /// Occurrence counts per (service, location) in one export.
    typealias Counts = [String: [CodeLocation: Int]]

    /// Stack-trace text scanned per export at most (each trace is also capped
    /// by `StackTraceParser.maxInputBytes`); traces beyond it are not scanned.
    static let maxStackTraceBytesPerExport = 1024 * 1024

    static func locations(in batch: TraceBatch) -> Counts {
        var counts: Counts = [:]
        var budget = maxStackTraceBytesPerExport
        for resource in batch.resources {
            var perService = counts[resource.serviceName] ?? [:]
            for span in resource.spans {
                if let location = fromAttributes(span.attributes) { perService[location, default: 0] &+= 1 }
                // Newer semantic conventions also put a stack on the span itself (`code.stacktrace`).
                for trace in span.exceptionStacktraces + [span.attributes["code.stacktrace"]].compactMap({ $0 }) {
                    guard budget > 0 else { break }
                    budget -= min(trace.utf8.count, StackTraceParser.maxInputBytes)
                    // "<string>", "<frozen importlib._bootstrap>": no file to browse.
                    for frame in StackTraceParser.parse(trace) where !frame.filePath.isEmpty && !frame.filePath.hasPrefix("<") {
                        perService[frame, default: 0] &+= 1
                    }
                }
            }
            counts[resource.serviceName] = perService
        }
        return counts
    }

    /// `code.filepath` / `code.file.path`, `code.function` / `code.function.name`,
    /// `code.lineno` / `code.line.number`, `code.namespace`.
    static func fromAttributes(_ attributes: [String: String]) -> CodeLocation? {
        let file = attributes["code.filepath"] ?? attributes["code.file.path"] ?? ""
        let function = attributes["code.function"] ?? attributes["code.function.name"] ?? ""
        guard !file.isEmpty || !function.isEmpty else { return nil }
        let line = (attributes["code.lineno"] ?? attributes["code.line.number"]).flatMap { Int($0) } ?? 0
        return CodeLocation(filePath: file, functionName: function, namespace: attributes["code.namespace"] ?? "", lineNumber: line)
    }
}
