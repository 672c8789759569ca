/// HTTP-date (RFC 9110 §5.6.7, formerly RFC 7231 §7.1.1.1): the `Date` header a server sends,
/// read so the client can measure how far its own clock is from the service's.
///
/// Senders use IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`); recipients must also accept
/// the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`) forms, so all three are parsed. Nothing here traps on input.
public enum HTTPDate {
    static let months: [[UInt8]] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .map { Array($0.utf8) }
    static let shortDays: [[UInt8]] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { Array($0.utf8) }
    static let longDays: [[UInt8]] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        .map { Array($0.utf8) }

    /// Unix seconds of `text` in any of the three HTTP-date forms; nil when it is none of them
    /// or names an impossible date. `now` (Unix seconds) resolves RFC 850's two-digit year
    /// (without it, years are placed around 2025).
    public static func parse(_ text: String, now: Int64? = nil) -> Int64? {
        let bytes = Array(text.utf8)
        if let value = parseIMFFixdate(bytes) { return value }
        if let value = parseRFC850(bytes, now: now) { return value }
        return parseAsctime(bytes)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`: exactly 29 bytes.
    static func parseIMFFixdate(_ b: [UInt8]) -> Int64? {
        guard b.count == 29, shortDays.contains(Array(b[0..<3])), b[3] == comma, b[4] == space, b[7] == space,
            b[11] == space, b[16] == space, b[25] == space, Array(b[26..<29]) == Array("GMT".utf8),
            let day = digits(b, 5..<7), let month = month(b, 8..<11), let year = digits(b, 12..<16),
            let time = timeOfDay(b, at: 17)
        else { return nil }
        return unixSeconds(year: year, month: month, day: day, time: time)
    }

    /// `Sunday, 06-Nov-94 08:49:37 GMT`.
    static func parseRFC850(_ b: [UInt8], now: Int64?) -> Int64? {
        guard let commaIndex = b.firstIndex(of: comma), longDays.contains(Array(b[0..<commaIndex])) else { return nil }
        let rest = Array(b[(commaIndex + 1)...])
        guard rest.count == 23, rest[0] == space, rest[3] == dash, rest[7] == dash, rest[10] == space,
            rest[19] == space, Array(rest[20..<23]) == Array("GMT".utf8),
            let day = digits(rest, 1..<3), let month = month(rest, 4..<7), let shortYear = digits(rest, 8..<10),
            let time = timeOfDay(rest, at: 11)
        else { return nil }
        return unixSeconds(year: fullYear(shortYear, now: now), month: month, day: day, time: time)
    }

    /// `Sun Nov  6 08:49:37 1994` (the day is space-padded).
    static func parseAsctime(_ b: [UInt8]) -> Int64? {
        guard b.count == 24, shortDays.contains(Array(b[0..<3])), b[3] == space, b[7] == space, b[10] == space,
            b[19] == space, let month = month(b, 4..<7), let time = timeOfDay(b, at: 11),
            let year = digits(b, 20..<24)
        else { return nil }
        let day: Int64?
        if b[8] == space { day = digits(b, 9..<10) } else { day = digits(b, 8..<10) }
        guard let day else { return nil }
        return unixSeconds(year: year, month: month, day: day, time: time)
    }

    /// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future means the most
    /// recent past year with those digits.
    static func fullYear(_ shortYear: Int64, now: Int64?) -> Int64 {
        let currentYear = now.map { 1970 + $0 / 31_556_952 } ?? 2025
        let century = currentYear - currentYear % 100
        var year = century + shortYear
        if year > currentYear + 50 { year -= 100 }
        return year
    }

    /// Formats Unix seconds as IMF-fixdate (for tests and logs).
    public static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let weekday = Int(((days % 7) + 7 + 3) % 7)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var yearText = String(year)
        while yearText.count < 4 { yearText = "0" + yearText }
        return String(decoding: shortDays[weekday], as: UTF8.self) + ", " + two(day) + " "
            + String(decoding: months[Int(month - 1)], as: UTF8.self) + " " + yearText + " "
            + two(secondOfDay / 3600) + ":" + two(secondOfDay / 60 % 60) + ":" + two(secondOfDay % 60) + " GMT"
    }

    /// The inverse of `KVSClockSkew.daysSinceEpoch`.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    // MARK: Pieces

    private static let comma = UInt8(ascii: ",")
    private static let space = UInt8(ascii: " ")
    private static let dash = UInt8(ascii: "-")
    private static let colon = UInt8(ascii: ":")

    private static func digits(_ b: [UInt8], _ range: Range<Int>) -> Int64? {
        guard range.lowerBound >= 0, range.upperBound <= b.count, !range.isEmpty else { return nil }
        var value: Int64 = 0
        for index in range {
            let byte = b[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func month(_ b: [UInt8], _ range: Range<Int>) -> Int64? {
        guard range.upperBound <= b.count, let index = months.firstIndex(of: Array(b[range])) else { return nil }
        return Int64(index + 1)
    }

    /// `HH:MM:SS` starting at `start`, as seconds into the day.
    private static func timeOfDay(_ b: [UInt8], at start: Int) -> Int64? {
        guard start + 8 <= b.count, b[start + 2] == colon, b[start + 5] == colon,
            let hour = digits(b, start..<(start + 2)), let minute = digits(b, (start + 3)..<(start + 5)),
            let second = digits(b, (start + 6)..<(start + 8)), hour < 24, minute < 60, second < 61
        else { return nil }
        return hour * 3600 + minute * 60 + second
    }

    private static func unixSeconds(year: Int64, month: Int64, day: Int64, time: Int64) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return KVSClockSkew.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + time
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
