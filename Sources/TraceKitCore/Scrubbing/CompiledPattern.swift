import CPCRE2

/// A PCRE2 pattern compiled once (JIT when available), immutable afterwards.
///
/// `pcre2_match` on one compiled pattern is thread-safe as long as every
/// thread brings its own match data (`MatchScratch`), so instances are shared.
final class CompiledPattern: @unchecked Sendable {
    struct CompileError: Error {
        var message: String
        var offset: Int
    }

    private let code: OpaquePointer
    let usesJIT: Bool

    /// `utf`: Unicode semantics for user patterns; the built-in patterns are
    /// ASCII and run faster in byte mode on the same (valid UTF-8) text.
    init(_ source: String, utf: Bool = true, caseless: Bool = false) throws(CompileError) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        var flags: UInt32 = utf ? UInt32(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF) : 0
        if caseless { flags |= UInt32(PCRE2_CASELESS) }
        let compiled = source.withCString { pointer in
            pcre2_compile_8(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                            source.utf8.count, flags, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw CompileError(message: Self.errorMessage(errorCode), offset: errorOffset)
        }
        code = compiled
        // Without JIT (e.g. a W^X-hardened host) matching still works, slower.
        usesJIT = pcre2_jit_compile_8(compiled, tk_pcre2_jit_complete()) == 0
    }

    deinit { pcre2_code_free_8(code) }

    /// The next match in `text` at or after `start`: the matched range, where
    /// the start honours `\K`. Nil when none (or on a match-limit error: a
    /// pattern that gives up does not redact rather than hang).
    func firstMatch(in text: UnsafeBufferPointer<UInt8>, from start: Int,
                    scratch: MatchScratch) -> Range<Int>? {
        guard start <= text.count, let base = text.baseAddress else { return nil }
        let result = pcre2_match_8(code, base, text.count, start, 0, scratch.matchData, scratch.context)
        guard result > 0, let ovector = pcre2_get_ovector_pointer_8(scratch.matchData) else { return nil }
        let lower = ovector[0], upper = ovector[1]
        guard lower <= upper, upper <= text.count else { return nil }
        return lower..<upper
    }

    static func errorMessage(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }
}

/// Per-call matching state: PCRE2 match data plus a match context whose
/// limits bound the work a pathological pattern/input pair can do.
final class MatchScratch {
    let matchData: OpaquePointer?
    let context: OpaquePointer?

    init() {
        matchData = pcre2_match_data_create_8(1, nil)
        context = pcre2_match_context_create_8(nil)
        if let context {
            pcre2_set_match_limit_8(context, 1_000_000)
            pcre2_set_depth_limit_8(context, 10_000)
        }
    }

    deinit {
        if let matchData { pcre2_match_data_free_8(matchData) }
        if let context { pcre2_match_context_free_8(context) }
    }
}
