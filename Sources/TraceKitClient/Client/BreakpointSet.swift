import TraceKitCore

/// The breakpoints of one service at one moment, indexed the way call sites
/// are matched: `function:label` first, then `file:line` with the file
/// matched by `SourcePath` (a suffix on whole components; the most specific
/// wins). Replaced whole on every change, so readers never see half an update.
struct BreakpointSet: Sendable {
    let byID: [String: Breakpoint]
    private let byLabel: [String: Breakpoint]
    /// Line breakpoints by "last path component:line", each list sorted by id.
    private let byFileNameAndLine: [String: [Breakpoint]]
    let killSwitch: Bool

    static let empty = BreakpointSet(Array<Breakpoint>(), killSwitch: false)

    init(_ breakpoints: [Breakpoint], killSwitch: Bool) {
        var byID: [String: Breakpoint] = [:]
        for breakpoint in breakpoints { byID[breakpoint.id] = breakpoint }
        self.init(byID: byID, killSwitch: killSwitch)
    }

    private init(byID: [String: Breakpoint], killSwitch: Bool) {
        self.byID = byID
        self.killSwitch = killSwitch
        var byLabel: [String: Breakpoint] = [:]
        var byFileNameAndLine: [String: [Breakpoint]] = [:]
        // Where several share a label, an enabled one wins (then the lowest id).
        for breakpoint in byID.values.sorted(by: { $0.id < $1.id }) {
            if let key = breakpoint.labelKey, !(byLabel[key]?.enabled ?? false) { byLabel[key] = breakpoint }
            if let name = SourcePath.lastComponent(breakpoint.filePath) {
                byFileNameAndLine["\(name):\(breakpoint.lineNumber)", default: []].append(breakpoint)
            }
        }
        self.byLabel = byLabel
        self.byFileNameAndLine = byFileNameAndLine
    }

    var count: Int { byID.count }

    /// `function:label` first, then `file:line` — but an enabled breakpoint
    /// wins over a disabled one, and one a person set over one the site
    /// auto-registered: the breakpoint registered for a labelled checkpoint
    /// must not shadow a line breakpoint (with its condition) set on the same
    /// code.
    func match(_ site: SiteKey) -> Breakpoint? {
        let byName = site.function.isEmpty ? nil : byLabel["\(site.function):\(site.label)"]
        let byLine = matchLocation(site)
        guard let byName, let byLine else { return byName ?? byLine }
        let rank = { (bp: Breakpoint) in (bp.enabled ? 1 : 0, bp.autoRegistered ? 0 : 1) }
        return rank(byLine) > rank(byName) ? byLine : byName
    }

    /// The line breakpoint matching the site: an enabled one before a
    /// disabled one, then one a person set before an auto-registered one (a
    /// registered site's breakpoint carries its file and line too, and must
    /// not shadow a person's line breakpoint by having the lower id), then
    /// the most specific path, then the lowest id.
    private func matchLocation(_ site: SiteKey) -> Breakpoint? {
        guard let name = SourcePath.lastComponent(site.file),
              let candidates = byFileNameAndLine["\(name):\(site.line)"] else { return nil }
        var best: (breakpoint: Breakpoint, rank: (Int, Int, Int))?
        for candidate in candidates {
            guard let length = SourcePath.matchLength(breakpointPath: candidate.filePath, reportedPath: site.file)
            else { continue }
            let rank = (candidate.enabled ? 1 : 0, candidate.autoRegistered ? 0 : 1, length)
            if let current = best, rank <= current.rank { continue }
            best = (candidate, rank)
        }
        return best?.breakpoint
    }

    func upserting(_ breakpoint: Breakpoint) -> BreakpointSet {
        var byID = byID
        byID[breakpoint.id] = breakpoint
        return BreakpointSet(byID: byID, killSwitch: killSwitch)
    }

    func removing(id: String) -> BreakpointSet {
        var byID = byID
        byID[id] = nil
        return BreakpointSet(byID: byID, killSwitch: killSwitch)
    }

    func with(killSwitch: Bool) -> BreakpointSet {
        BreakpointSet(byID: byID, killSwitch: killSwitch)
    }

    /// `{"breakpoints": [...], "kill_switch": bool}` (poll response and SSE `init`).
    static func parse(_ json: JSONValue) -> BreakpointSet? {
        guard case .object(let fields) = json else { return nil }
        let list = fields["breakpoints"]?.arrayValue ?? []
        return BreakpointSet(list.compactMap(Breakpoint.init), killSwitch: fields["kill_switch"]?.boolValue ?? false)
    }
}
