import Foundation

/// A day in the proleptic Gregorian calendar, without time zone.
///
/// Birth dates and catalogue dates are calendar days, not instants; keeping them as plain
/// year-month-day avoids time-zone shifts and lets validation check leap years exactly.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Returns nil unless the three numbers name a real day (29 February only in leap years).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYYMMDD`.
    public init?(compact text: String) {
        guard text.count == 8, let digits = DigitString(text) else { return nil }
        self.init(year: digits.int(0, 4), month: digits.int(4, 2), day: digits.int(6, 2))
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2 else { return nil }
        self.init(compact: parts.joined())
    }

    /// `YYYY-MM-DD`, the form rootsync stores and shows.
    /// (Built from bytes: every checked ID number asks for its birth date in this form.)
    public var iso: String { digits(separator: 0x2D) }
    /// `YYYYMMDD`, the form used inside ID numbers and D8 items.
    public var compact: String { digits(separator: nil) }

    /// The date as zero-padded digits (the year is 1…9999, so always four).
    private func digits(separator: UInt8?) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(10)
        func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 { out.append(UInt8(48 + (value / divisor) % 10)); divisor /= 10 }
        }
        put(year, 4)
        if let separator { out.append(separator) }
        put(month, 2)
        if let separator { out.append(separator) }
        put(day, 2)
        return String(decoding: out, as: UTF8.self)
    }
    public var description: String { iso }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Today's date at a fixed UTC offset; China (UTC+8) has no daylight saving, so a fixed
    /// offset is exact and avoids depending on the machine's time-zone database.
    public static func today(utcOffsetSeconds: Int = 8 * 3600, now: Date = Date()) -> CalendarDate {
        let seconds = Int(now.timeIntervalSince1970.rounded(.down)) + utcOffsetSeconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return fromDaysSinceEpoch(days)
    }

    /// Days since 1970-01-01 (negative before it; H. Hinnant's days_from_civil).
    public var daysSinceEpoch: Int { CivilDays.days(year: year, month: month, day: day) }

    /// The day `days` days later (earlier when negative). Nil outside years 1…9999.
    public func adding(days: Int) -> CalendarDate? {
        let target = daysSinceEpoch + days
        guard target >= CalendarDate.firstDay, target <= CalendarDate.lastDay else { return nil }
        return CalendarDate.fromDaysSinceEpoch(target)
    }

    /// ISO 8601 weekday: 1 Monday … 6 Saturday, 7 Sunday (1970-01-01 was a Thursday).
    public var weekday: Int {
        let d = (daysSinceEpoch + 3) % 7
        return (d < 0 ? d + 7 : d) + 1
    }

    /// Saturday or Sunday.
    public var isWeekend: Bool { weekday >= 6 }

    /// 0001-01-01 and 9999-12-31 as days since 1970.
    static let firstDay = -719_162
    static let lastDay = 2_932_896

    /// Converts days since 1970-01-01 (within firstDay…lastDay) to a date.
    static func fromDaysSinceEpoch(_ days: Int) -> CalendarDate {
        let (year, month, day) = CivilDays.civil(days: days)
        // CivilDays only produces real dates.
        return CalendarDate(year: year, month: month, day: day)!
    }
}
