import CPCRE2

/// `subject matches "pattern"` with PCRE2: an unanchored search in UTF mode,
/// bounded by a match limit, a depth limit and a heap limit so that a
/// catastrophic pattern fails with an error instead of hanging.
enum RegexMatcher {
    static func matches(_ subject: String, pattern: String, offset: Int) throws(ExpressionError) -> Bool {
        guard pattern.utf8.count <= ExpressionLimits.maxPatternBytes else {
            throw ExpressionError(offset: offset, message: "pattern longer than \(ExpressionLimits.maxPatternBytes) bytes")
        }
        let code = try compile(pattern, offset: offset)
        defer { pcre2_code_free_8(code) }
        guard let context = pcre2_match_context_create_8(nil) else {
            throw ExpressionError(offset: offset, message: "out of memory for regex")
        }
        defer { pcre2_match_context_free_8(context) }
        pcre2_set_match_limit_8(context, ExpressionLimits.regexMatchLimit)
        pcre2_set_depth_limit_8(context, ExpressionLimits.regexDepthLimit)
        pcre2_set_heap_limit_8(context, ExpressionLimits.regexHeapLimitKiB)
        guard let matchData = pcre2_match_data_create_from_pattern_8(code, nil) else {
            throw ExpressionError(offset: offset, message: "out of memory for regex")
        }
        defer { pcre2_match_data_free_8(matchData) }

        let subjectBytes = terminatedUTF8(subject)
        let result = subjectBytes.withUnsafeBufferPointer { utf8 in
            pcre2_match_8(code, utf8.baseAddress, utf8.count - 1, 0, 0, matchData, context)
        }
        if result >= 0 { return true }
        if result == PCRE2_ERROR_NOMATCH { return false }
        throw ExpressionError(offset: offset, message: "regex match failed: \(message(for: result))")
    }

    /// The text's bytes plus a terminating zero: PCRE2 wants a non-null
    /// pointer even for an empty string (lengths passed exclude the zero).
    private static func terminatedUTF8(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes
    }

    private static func compile(_ pattern: String, offset: Int) throws(ExpressionError) -> OpaquePointer {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let patternBytes = terminatedUTF8(pattern)
        let code = patternBytes.withUnsafeBufferPointer { utf8 in
            pcre2_compile_8(utf8.baseAddress, utf8.count - 1,
                            PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C, &errorCode, &errorOffset, nil)
        }
        guard let code else {
            throw ExpressionError(offset: offset,
                                  message: "invalid regex at pattern offset \(errorOffset): \(message(for: errorCode))")
        }
        return code
    }

    private static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { pointer in
            pcre2_get_error_message_8(code, pointer.baseAddress, pointer.count)
        }
        guard length > 0 else { return "error \(code)" }
        return String(decoding: buffer.prefix(Int(length)), as: UTF8.self)
    }
}
