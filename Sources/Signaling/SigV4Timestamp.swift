/// A signing instant in whole Unix seconds, rendered in the ISO 8601 basic format SigV4 uses
/// (AWS SigV4, "Elements of an AWS API request signature": `X-Amz-Date` is `YYYYMMDD'T'HHMMSS'Z'`,
/// the credential scope date is `YYYYMMDD`).
///
/// The conversion is plain proleptic-Gregorian arithmetic so the signer needs neither a
/// calendar library nor a clock.
public struct SigV4Timestamp: Sendable, Equatable, Hashable {
    public let unixSeconds: Int64

    public init(unixSeconds: Int64) {
        self.unixSeconds = unixSeconds
    }

    /// `20150830T123600Z`.
    public var amzDate: String {
        let (date, seconds) = Self.split(unixSeconds)
        return Self.dateStamp(date) + "T" + Self.pad(seconds / 3600, 2) + Self.pad(seconds / 60 % 60, 2)
            + Self.pad(seconds % 60, 2) + "Z"
    }

    /// `20150830`, the date part of the credential scope.
    public var dateStamp: String {
        Self.dateStamp(Self.split(unixSeconds).date)
    }

    /// The calendar fields in UTC.
    public var components: CivilDateTime {
        let (date, seconds) = Self.split(unixSeconds)
        return CivilDateTime(
            year: date.year, month: date.month, day: date.day,
            hour: Int(seconds / 3600), minute: Int(seconds / 60 % 60), second: Int(seconds % 60))
    }

    private static func split(_ unix: Int64) -> (date: (year: Int64, month: Int, day: Int), seconds: Int64) {
        // Floor division so instants before 1970 still land on the right day.
        var days = unix / 86_400
        var seconds = unix % 86_400
        if seconds < 0 {
            seconds += 86_400
            days -= 1
        }
        return (CivilDateTime.civil(fromDays: days), seconds)
    }

    private static func dateStamp(_ date: (year: Int64, month: Int, day: Int)) -> String {
        pad(date.year, 4) + pad(Int64(date.month), 2) + pad(Int64(date.day), 2)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value < 0 ? -value : value)
        let padding = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + padding + digits
    }
}

/// A UTC date and time of day, with conversions to and from days since 1970-01-01
/// (proleptic Gregorian calendar, as ISO 8601 and RFC 3339 use).
public struct CivilDateTime: Sendable, Equatable, Hashable {
    public var year: Int64
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int64, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Unix seconds of this UTC instant; nil when a field is out of range (month 13, day 31 in
    /// April, hour 24, a year so large the seconds would overflow).
    public var unixSeconds: Int64? {
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
            (-1_000_000...1_000_000).contains(year)
        else { return nil }
        let days = Self.days(fromCivil: year, month: month, day: day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01. Counts in 400-year eras that start on March 1st, so the leap day is
    /// the last day of each shifted year and the month lengths follow a fixed pattern.
    static func days(fromCivil year: Int64, month: Int, day: Int) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `days(fromCivil:month:day:)`.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
