/// One place in a service's code that a trace revealed: a file, a function
/// and a line (any of which may be unknown: empty / 0). The code index
/// ("Browse Code") is built from these.
public struct CodeLocation: Sendable, Hashable {
    public var filePath: String
    public var functionName: String
    /// The class, module or package the function belongs to ("" when unknown).
    public var namespace: String
    public var lineNumber: Int

    public init(filePath: String, functionName: String, namespace: String = "", lineNumber: Int) {
        // Bounded so a hostile trace cannot store megabytes per row.
        self.filePath = String(filePath.prefix(CodeLocation.maxPathLength))
        self.functionName = String(functionName.prefix(CodeLocation.maxNameLength))
        self.namespace = String(namespace.prefix(CodeLocation.maxNameLength))
        self.lineNumber = min(max(lineNumber, 0), Int(Int32.max))
    }

    static let maxPathLength = 1024
    static let maxNameLength = 512

    /// Splits "a.b.C.method" into ("a.b.C", "method"); no dot: ("", name).
    static func splitQualified(_ name: String, separator: Character = ".") -> (namespace: String, function: String) {
        guard let dot = name.lastIndex(of: separator) else { return ("", name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }
}
