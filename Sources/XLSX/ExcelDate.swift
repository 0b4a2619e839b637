import Standards
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
            base = CivilDays.days(year: 1904, month: 1, day: 1)
        } else {
            // Excel counts 1900 as a leap year: serial 60 is the 29 February that never was.
            if days == 60 { return nil }
            base = days < 60 ? CivilDays.days(year: 1899, month: 12, day: 31) : CivilDays.days(year: 1899, month: 12, day: 30)
        }
        let (y, m, d) = CivilDays.civil(days: base + days)
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
}
