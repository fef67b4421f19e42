import Glibc

/// The current calendar time, for timestamps sent to the backend
/// (`captured_at`, trip events). Never use it to measure intervals:
/// see `MonotonicClock`.
public enum WallClock {
    /// Nanoseconds since the Unix epoch (UTC).
    public static func nowUnixNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return MonotonicClock.nanoseconds(ts)
    }
}

/// RFC 3339 timestamps without Foundation.
///
/// `format` writes UTC with milliseconds ("2026-11-25T12:00:00.123Z"), the
/// form the backend stores. `parse` reads what a server may send in
/// `expire_at`: any offset, optional fractional seconds.
public enum RFC3339 {
    /// The current time, formatted.
    public static func now() -> String {
        format(unixNanoseconds: WallClock.nowUnixNanoseconds())
    }

    /// `unixNanoseconds` as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, milliseconds
    /// truncated). Written digit by digit into 24 bytes: it runs once per
    /// capture, on the caller's thread.
    public static func format(unixNanoseconds: UInt64) -> String {
        let totalSeconds = unixNanoseconds / 1_000_000_000
        let millis = Int((unixNanoseconds % 1_000_000_000) / 1_000_000)
        let secondOfDay = Int(totalSeconds % 86_400)
        let date = CivilDate(daysSinceEpoch: Int(totalSeconds / 86_400))
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor &*= 10 }
                for _ in 0..<width {
                    buffer[index] = UInt8(truncatingIfNeeded: 0x30 &+ (value / divisor) % 10)
                    divisor /= 10
                    index &+= 1
                }
            }
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index &+= 1
            }
            put(max(0, min(date.year, 9999)), width: 4); put(0x2D)
            put(date.month, width: 2); put(0x2D)
            put(date.day, width: 2); put(0x54)
            put(secondOfDay / 3600, width: 2); put(0x3A)
            put(secondOfDay / 60 % 60, width: 2); put(0x3A)
            put(secondOfDay % 60, width: 2); put(0x2E)
            put(millis, width: 3); put(0x5A)
            return index
        }
    }

    /// Seconds since the Unix epoch (fractional), or nil when `s` is not an
    /// RFC 3339 date-time: "YYYY-MM-DD(T|t| )HH:MM:SS[.frac](Z|z|±HH:MM)".
    public static func parse(_ s: String) -> Double? {
        // A real timestamp is ~35 bytes; the cap bounds the work on junk.
        guard s.utf8.count <= 64 else { return nil }
        var reader = DigitReader(Array(s.utf8))
        return reader.readTimestamp()
    }
}

/// A proleptic Gregorian date, converted to and from days since 1970-01-01
/// (Howard Hinnant's `civil_from_days` / `days_from_civil`).
struct CivilDate: Equatable {
    var year: Int
    var month: Int
    var day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A cursor over the bytes of a timestamp; every read checks bounds.
private struct DigitReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func readTimestamp() -> Double? {
        guard let year = number(4), expect(UInt8(ascii: "-")),
              let month = number(2), expect(UInt8(ascii: "-")),
              let day = number(2), expectOneOf("Tt "),
              let hour = number(2), expect(UInt8(ascii: ":")),
              let minute = number(2), expect(UInt8(ascii: ":")),
              let second = number(2)
        else { return nil }
        guard (1...12).contains(month),
              (1...CivilDate.daysInMonth(year: year, month: month)).contains(day),
              hour <= 23, minute <= 59, second <= 60  // 60: a leap second
        else { return nil }
        guard let fraction = fractionalSeconds(), let offset = offsetSeconds(), index == bytes.count
        else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Double(seconds) + fraction
    }

    /// ".123…" -> 0.123…; absent -> 0; a dot without digits -> nil.
    private mutating func fractionalSeconds() -> Double? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return 0 }
        index += 1
        var value = 0.0
        var scale = 0.1
        var count = 0
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            value += Double(digit) * scale
            scale /= 10
            count += 1
            index += 1
        }
        return count > 0 ? value : nil
    }

    /// "Z" -> 0, "+05:30" -> 19800, "-08:00" -> -28800.
    private mutating func offsetSeconds() -> Int? {
        guard index < bytes.count else { return nil }
        let sign = bytes[index]
        index += 1
        if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") { return 0 }
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
              let hours = number(2), expect(UInt8(ascii: ":")), let minutes = number(2),
              hours <= 23, minutes <= 59
        else { return nil }
        let magnitude = hours * 3600 + minutes * 60
        return sign == UInt8(ascii: "+") ? magnitude : -magnitude
    }

    private mutating func number(_ width: Int) -> Int? {
        guard bytes.count - index >= width else { return nil }
        var value = 0
        for _ in 0..<width {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return value
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func expectOneOf(_ choices: String) -> Bool {
        guard index < bytes.count, choices.utf8.contains(bytes[index]) else { return false }
        index += 1
        return true
    }

    private func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
