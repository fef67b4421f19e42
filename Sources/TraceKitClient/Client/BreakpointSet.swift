import TraceKitCore

/// The breakpoints of one service at one moment, indexed the way call sites
/// are matched: `function:label` first, then `file:line`. Replaced whole on
/// every change, so readers never see half an update.
struct BreakpointSet: Sendable {
    let byID: [String: Breakpoint]
    private let byLabel: [String: Breakpoint]
    private let byLocation: [String: Breakpoint]
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
        var byLocation: [String: Breakpoint] = [:]
        // Where several share a key, an enabled one wins (then the lowest id).
        for breakpoint in byID.values.sorted(by: { $0.id < $1.id }) {
            if let key = breakpoint.labelKey, !(byLabel[key]?.enabled ?? false) { byLabel[key] = breakpoint }
            if let key = breakpoint.locationKey, !(byLocation[key]?.enabled ?? false) { byLocation[key] = breakpoint }
        }
        self.byLabel = byLabel
        self.byLocation = byLocation
    }

    var count: Int { byID.count }

    /// `function:label` first, then `file:line` — but an enabled breakpoint
    /// wins over a disabled one: the disabled breakpoint a site auto-registered
    /// must not shadow an enabled line breakpoint set on the same code.
    func match(_ site: SiteKey) -> Breakpoint? {
        let byName = site.function.isEmpty ? nil : byLabel["\(site.function):\(site.label)"]
        let byLine = site.file.isEmpty ? nil : byLocation["\(site.file):\(site.line)"]
        if let byName, byName.enabled { return byName }
        if let byLine, byLine.enabled { return byLine }
        return byName ?? byLine
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
