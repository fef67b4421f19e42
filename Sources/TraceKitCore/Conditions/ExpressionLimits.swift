/// The sandbox bounds. A condition comes from a remote dashboard and runs in
/// other people's processes: every dimension of work is capped.
enum ExpressionLimits {
    /// Longest accepted source, in UTF-8 bytes.
    static let maxSourceBytes = 4096
    /// Most nodes (operands and operators) one expression may have.
    static let maxNodes = 1000
    /// Deepest nesting of parentheses, brackets, calls and prefix operators.
    static let maxNesting = 64
    /// Most evaluation steps (nodes visited plus container elements compared).
    static let maxSteps = 10_000
    /// Longest string an operator may produce (concatenation, lower, upper), in bytes.
    static let maxStringBytes = 64 * 1024
    /// PCRE2 bounds for `matches`: backtracking, recursion depth, heap (KiB), pattern length.
    static let regexMatchLimit: UInt32 = 100_000
    static let regexDepthLimit: UInt32 = 1_000
    static let regexHeapLimitKiB: UInt32 = 8 * 1024
    static let maxPatternBytes = 4096
}
