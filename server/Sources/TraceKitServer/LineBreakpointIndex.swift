import TraceKitCore

/// Finds the line breakpoints that an SDK reporting a given path and line
/// would match: the breakpoint's path is a suffix of the reported path on
/// whole components (`SourcePath`, the library's own rule), so that
/// `payment.go:42` is shown on `/srv/app/src/payment.go` line 42.
struct LineBreakpointIndex {
    /// By "last path component:line".
    private let candidates: [String: [Breakpoint]]

    init(_ breakpoints: [Breakpoint]) {
        var candidates: [String: [Breakpoint]] = [:]
        for breakpoint in breakpoints where breakpoint.lineNumber > 0 {
            guard let name = SourcePath.lastComponent(breakpoint.filePath) else { continue }
            candidates["\(name):\(breakpoint.lineNumber)", default: []].append(breakpoint)
        }
        self.candidates = candidates
    }

    /// The ids of the breakpoints matching `path` at `line`, most specific first.
    func ids(path: String, line: Int) -> [String] {
        guard let name = SourcePath.lastComponent(path) else { return [] }
        return (candidates["\(name):\(line)"] ?? [])
            .compactMap { bp in SourcePath.matchLength(breakpointPath: bp.filePath, reportedPath: path).map { (bp.id, $0) } }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .map(\.0)
    }
}
