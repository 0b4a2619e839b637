import Foundation
import Standards

/// When something of sharing is due, in working days (工作日) counted from the day it happened in
/// the node's zone, and whether it is overdue. A due date beyond the calendar's last year is not
/// guessed: it is `.unknown` with the calendar's reason, and shown as such.
public enum ShareDeadline: Sendable, Equatable {
    case due(CalendarDate)
    /// Why the due date is not known (the calendar lacks a year), in Chinese and English.
    case unknown(zh: String, en: String)

    public var date: CalendarDate? { if case .due(let d) = self { return d } else { return nil } }

    /// The deadline `workingDays` after the day of `at` (UTC ISO 8601, as events carry it) in `zone`.
    public static func of(_ at: String, workingDays: Int, zone: TimeZone, calendar: WorkingCalendar) -> ShareDeadline {
        guard let day = day(of: at, zone: zone) else { return .unknown(zh: "时间 \(at) 无法识别", en: "the time \(at) cannot be read") }
        do { return .due(try calendar.deadline(from: day, workingDays: workingDays)) } catch let e as WorkingCalendarError {
            return .unknown(zh: e.messageZh, en: e.messageEn)
        } catch {
            return .unknown(zh: "\(error)", en: "\(error)")
        }
    }

    /// Past due on `today`: only a known due date can be.
    public func isOverdue(on today: CalendarDate) -> Bool { date.map { today > $0 } ?? false }

    /// The calendar day of an event time (ISO 8601 with Z or an offset) in `zone`.
    public static func day(of at: String, zone: TimeZone) -> CalendarDate? {
        guard let ms = milliseconds(at) else { return nil }
        return day(milliseconds: ms, zone: zone)
    }

    public static func day(milliseconds ms: Int64, zone: TimeZone) -> CalendarDate? {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        guard let y = c.year, let m = c.month, let d = c.day else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }

    public static func milliseconds(_ at: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: at) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: at).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    /// The working days from the day of `from` to the day of `to` (answer times), nil when the
    /// calendar does not cover them.
    public static func workingDays(from: String, to: String, zone: TimeZone, calendar: WorkingCalendar) -> Int? {
        guard let a = day(of: from, zone: zone), let b = day(of: to, zone: zone) else { return nil }
        return try? calendar.workingDays(between: a, and: b)
    }
}
