import Foundation
import TraceKitCore

/// RFC 3339 timestamps <-> seconds since the Unix epoch. Accepted:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (a space instead of `T` and a
/// lowercase `z` too, as RFC 3339 allows).
enum Timestamps {
    static func now() -> Double { Date().timeIntervalSince1970 }

    /// TraceKitCore's parser (the one the SDK uses for `expire_at`), with
    /// the server's tighter bound on the text's length.
    static func parse(_ text: String) -> Double? {
        guard text.utf8.count <= 40 else { return nil }
        return RFC3339.parse(text)
    }

    /// `2026-11-25T12:00:00.123Z` (milliseconds, UTC).
    static func format(_ seconds: Double) -> String {
        let clamped = min(max(seconds, -62_135_596_800), 253_402_300_799)
        var whole = Int(clamped.rounded(.down))
        var millis = Int(((clamped - Double(whole)) * 1000).rounded())
        if millis == 1000 { whole += 1; millis = 0 }
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secondOfDay = whole - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    // Howard Hinnant's civil_from_days.
    private static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
