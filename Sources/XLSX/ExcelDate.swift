/// Excel keeps dates as day numbers in a date format; these turn them into `YYYY-MM-DD`.
enum ExcelDate {
    /// Whether number format `id` (with `code` for custom ones) shows a date or time.
    static func isDateFormat(id: Int, code: String?) -> Bool {
        switch id {
        case 14...22, 27...36, 45...47, 50...58: return true
        case 0...163: return false
        default: break
        }
        guard let code else { return false }
        // Quoted text, escaped characters and [colour] sections say nothing about dates.
        var plain: [Character] = []
        var quoted = false, bracket = false, escaped = false
        for c in code {
            if escaped { escaped = false; continue }
            if quoted { if c == "\"" { quoted = false }; continue }
            if bracket { if c == "]" { bracket = false }; continue }
            switch c {
            case "\"": quoted = true
            case "[": bracket = true
            case "\\", "_", "*": escaped = true
            default: plain.append(c)
            }
        }
        return plain.contains { "yYmMdDhHsS年月日".contains($0) }
    }

    /// The date (and time, when not midnight) of serial `text` in the 1900 or 1904 date system.
    static func text(serial text: String, date1904: Bool) -> String? {
        guard let serial = Double(text), serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds == 86_400 { days += 1; seconds = 0 }
        let base: Int
        if date1904 {
            base = daysFromCivil(1904, 1, 1)
        } else {
            // Excel counts 1900 as a leap year: serial 60 is the 29 February that never was.
            if days == 60 { return nil }
            base = days < 60 ? daysFromCivil(1899, 12, 31) : daysFromCivil(1899, 12, 30)
        }
        let (y, m, d) = civilFromDays(base + days)
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        if seconds > 0 {
            out += " " + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        }
        return out
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
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
