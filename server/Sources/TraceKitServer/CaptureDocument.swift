/// The snapshot document as stored: the capture's JSON object as the SDK
/// sent it, with the server's `id` and `received_at` appended as its last
/// members. Appending to the validated text costs a copy; parsing it into a
/// tree and writing it again cost about 5 % of the ingest profile. A body
/// that already has `id` or `received_at` members gets the server's anyway:
/// with duplicate names, the last one counts (the JSON parser's rule,
/// `JSONValue.parse`, and PostgreSQL's).
enum CaptureDocument {
    /// `body` must be a JSON object (it parsed as one).
    static func text(body: String, id: String, receivedAt: String) -> String {
        // The closing brace is the last byte that is not whitespace (an ASCII byte: a character boundary).
        guard let close = body.utf8.lastIndex(of: UInt8(ascii: "}")) else { return body }
        let members = body[..<close]
        let empty = members.utf8.last(where: { !isWhitespace($0) }) == UInt8(ascii: "{")
        // `id` and `received_at` are our own text: hex digits, dashes and an RFC 3339 time, nothing to escape.
        return String(members) + (empty ? "" : ",") + #""id":""# + id + #"","received_at":""# + receivedAt + #""}"#
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
