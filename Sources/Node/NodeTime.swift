import Foundation
import Standards

/// Every time rootsync shows, in one zone: the node's (`time_zone` in node.json, Asia/Shanghai
/// by default), always with its offset. People get "2026-05-01 09:30:00 +08:00", `--json` and the
/// local API RFC 3339 ("2026-05-01T09:30:00.000+08:00"). The one formatter: every command and
/// endpoint that shows a time goes through it, whatever form the time was stored in.
public struct NodeTime: Sendable, Equatable {
    public static let defaultZoneName = "Asia/Shanghai"

    /// The zone's name as configured.
    public let zoneName: String
    public let zone: TimeZone

    /// The default zone. China has kept UTC+8 without daylight saving since 1991, so a machine
    /// without the tz database still shows the right local time.
    public static let standard = NodeTime(zoneName: defaultZoneName,
                                          zone: TimeZone(identifier: defaultZoneName) ?? TimeZone(secondsFromGMT: 8 * 3600)!)

    init(zoneName: String, zone: TimeZone) {
        self.zoneName = zoneName
        self.zone = zone
    }

    /// A zone by its tz database name ("Asia/Shanghai", "UTC"); nil when the system does not know it.
    public init?(zoneNamed name: String) {
        if name == Self.defaultZoneName {
            self = .standard
            return
        }
        guard !name.isEmpty, name.utf8.count <= 64, let zone = TimeZone(identifier: name) else { return nil }
        self.init(zoneName: name, zone: zone)
    }

    /// "2026-05-01 09:30:00 +08:00", for people.
    public func display(milliseconds ms: Int64) -> String {
        let p = parts(ms)
        return "\(p.date) \(p.time) \(p.offset)"
    }

    /// The wall time in a hybrid logical clock value (its high 48 bits are Unix milliseconds).
    public func display(hlc: Int64) -> String { display(milliseconds: hlc >> 16) }

    /// "2026-05-01T09:30:00.000+08:00", for machines (RFC 3339, milliseconds, the zone's offset).
    public func rfc3339(milliseconds ms: Int64) -> String {
        let p = parts(ms)
        return "\(p.date)T\(p.time).\(Self.pad(Int(p.millis), 3))\(p.offset)"
    }

    public func rfc3339(hlc: Int64) -> String { rfc3339(milliseconds: hlc >> 16) }

    /// A time stored as text (SQLite's `datetime('now')`, UTC, or RFC 3339 with Z or an offset),
    /// shown like any other; text that is no time is shown as it is.
    public func display(stored text: String) -> String {
        Self.milliseconds(stored: text).map { display(milliseconds: $0) } ?? text
    }

    public func rfc3339(stored text: String) -> String {
        Self.milliseconds(stored: text).map { rfc3339(milliseconds: $0) } ?? text
    }

    /// Unix milliseconds of a stored time text: "YYYY-MM-DD HH:MM:SS" (UTC, as SQLite writes it)
    /// or "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)".
    public static func milliseconds(stored text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20 || b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A else { return nil }
        func number(_ from: Int, _ to: Int) -> Int? {
            var n = 0
            for i in from..<to {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let y = number(0, 4), let mo = number(5, 7), let d = number(8, 10), let h = number(11, 13), let mi = number(14, 16),
              let s = number(17, 19), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var millis = 0
        if i < b.count && b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 3)..<3 { millis *= 10 }
        }
        var offset = 0
        if i == b.count {
            // No designator: SQLite's UTC text.
            guard b[10] == 0x20 else { return nil }
        } else if b[i] == 0x5A && i + 1 == b.count {
            offset = 0
        } else if (b[i] == 0x2B || b[i] == 0x2D) && i + 6 == b.count && b[i + 3] == 0x3A, let oh = number(i + 1, i + 3), let om = number(i + 4, i + 6) {
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2B ? 1 : -1)
        } else {
            return nil
        }
        let days = CivilDays.days(year: y, month: mo, day: d)
        let seconds = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        return seconds * 1000 + Int64(millis)
    }

    // MARK: Civil time

    private func parts(_ ms: Int64) -> (date: String, time: String, millis: Int64, offset: String) {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = ms - seconds * 1000
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
        let local = seconds + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        let (y, m, d) = CivilDays.civil(days: Int(days))
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset)
        return ("\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))",
                "\(Self.pad(secondOfDay / 3600, 2)):\(Self.pad(secondOfDay / 60 % 60, 2)):\(Self.pad(secondOfDay % 60, 2))",
                millis, "\(sign)\(Self.pad(o / 3600, 2)):\(Self.pad(o / 60 % 60, 2))")
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
