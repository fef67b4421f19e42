/// How a breakpoint's file path, as a person writes it, matches the path an
/// SDK reports: the breakpoint's path must equal a suffix of the SDK's path
/// on whole path components. `payment.go`, `src/payment.go` and
/// `/srv/app/src/payment.go` all match `/srv/app/src/payment.go`;
/// `ayment.go` and `app/payment.go` do not. A leading `/` anchors the path at
/// the root, so an absolute path matches only the same absolute path. `.`
/// components and repeated separators are ignored, `\` (Windows) counts as
/// `/`, and a path ending in a separator (a directory) matches nothing. Among several matches the most specific (the most
/// components) wins.
///
/// One definition for the library (matching call sites to breakpoints) and
/// tracekit-server (locating breakpoints for code locations and
/// registrations), so both sides agree.
public enum SourcePath {
    /// The number of components `breakpointPath` matches in `reportedPath`
    /// (higher is more specific), or nil when it does not match. Empty paths
    /// match nothing.
    public static func matchLength(breakpointPath: String, reportedPath: String) -> Int? {
        let wanted = components(breakpointPath)
        let reported = components(reportedPath)
        guard !wanted.names.isEmpty, wanted.names.count <= reported.names.count,
              reported.names.suffix(wanted.names.count).elementsEqual(wanted.names) else { return nil }
        if wanted.isAbsolute {
            // Anchored at the root: the whole reported path, and it absolute too.
            guard reported.isAbsolute, wanted.names.count == reported.names.count else { return nil }
            return wanted.names.count + 1
        }
        return wanted.names.count
    }

    /// True when `breakpointPath` matches `reportedPath` (see `matchLength`).
    public static func matches(breakpointPath: String, reportedPath: String) -> Bool {
        matchLength(breakpointPath: breakpointPath, reportedPath: reportedPath) != nil
    }

    /// The last component (`payment.go`), which both paths of a match share:
    /// to index breakpoints by. Nil for a path with no component.
    public static func lastComponent(_ path: String) -> Substring? {
        components(path).names.last
    }

    private static func components(_ path: String) -> (isAbsolute: Bool, names: [Substring]) {
        // A trailing separator names a directory, which no source file is.
        if path.hasSuffix("/") || path.hasSuffix("\\") { return (path.hasPrefix("/"), []) }
        let names = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).filter { $0 != "." }
        return (path.hasPrefix("/"), names)
    }
}
