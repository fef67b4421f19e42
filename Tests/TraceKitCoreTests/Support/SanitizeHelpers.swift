import Foundation
@testable import TraceKitClient
@testable import TraceKitCore

/// Sanitizes `json` with `options` and returns the output as text.
func sanitized(_ json: String, _ options: Options = Options()) throws -> String {
    let result = try Sanitizer(options: options).sanitize(Array(json.utf8))
    return String(decoding: result.json, as: UTF8.self)
}

func sanitizeResult(_ json: String, _ options: Options = Options()) throws -> SanitizeResult {
    try Sanitizer(options: options).sanitize(Array(json.utf8))
}

/// `{"text": <value>}` as JSON text, with `value` escaped by Foundation.
func document(text value: String, key: String = "text") -> String {
    let data = try? JSONSerialization.data(withJSONObject: [key: value], options: [.fragmentsAllowed])
    return String(decoding: data ?? Data(), as: UTF8.self)
}

/// Parses JSON output with Foundation: proves it is valid JSON.
func parsedJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// The `text` member of a sanitized `{"text": ...}` document.
func sanitizedText(_ value: String, key: String = "text", _ options: Options = Options()) throws -> String? {
    let output = try sanitized(document(text: value, key: key), options)
    return (try parsedJSON(output) as? [String: Any])?[key] as? String
}

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/TraceKitCoreTests/Fixtures/\(name)"))
}
