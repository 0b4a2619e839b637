import Standards

/// How people really type values, made canonical before validation: full-width digits and
/// letters (from a Chinese input method) in IDs, codes, phones, dates and numbers, and dates as
/// `2000/1/1`, `2000.1.1`, `2000-1-1` or `2000年1月1日` (→ `2000-01-01`, which the item's format
/// then stores as `20000101`). Code-set labels (男, 女, 汉) are the code set's business
/// (`CodeSet.code(forLabel:)`). Free text (names, addresses, remarks) is left as typed.
///
/// It runs for every value of every write, so a value that is already canonical ASCII leaves at
/// once, after one pass over its bytes, with nothing allocated.
enum RealWorldInput {
    static func canonical(_ text: String, _ item: DataItem) -> String {
        let type = item.format.type
        let isDate = type == .date || type == .dateTime
        let structured = isDate || item.check != nil || item.codeSet != nil
            || !(type == .string || type == .memo || type == .general)
        guard structured else { return text }
        var ascii = true
        // A date already written YYYYMMDD… or YYYY-MM-DD… (the time part is the format's job).
        var count = 0, leadingDigits = 0, dashed = true
        for b in text.utf8 {
            if b >= 0x80 { ascii = false; break }
            if isDate && count < 10 {
                let digit = b >= 0x30 && b <= 0x39
                if digit && leadingDigits == count { leadingDigits += 1 }
                if count == 4 || count == 7 { dashed = dashed && b == 0x2D } else { dashed = dashed && digit }
            }
            count += 1
        }
        if ascii && (!isDate || leadingDigits >= 8 || (dashed && count >= 10)) { return text }
        var out = ascii ? text : fold(text)
        if isDate, let date = date(out) { out = date }
        return out
    }

    /// Full-width ASCII forms (U+FF01–U+FF5E) as ASCII, the ideographic space as a space.
    static func fold(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0xFF01...0xFF5E: scalars.append(Unicode.Scalar(s.value - 0xFEE0)!)
            case 0x3000: scalars.append(" ")
            default: scalars.append(s)
            }
        }
        return String(scalars)
    }

    /// `Y/M/D`, `Y.M.D`, `Y-M-D` or `Y年M月D日` (month and day of one or two digits, any time
    /// after a space kept as it is) as `YYYY-MM-DD`; nil when the text is not one of these.
    static func date(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func number(_ min: Int, _ max: Int) -> String? {
            var digits = ""
            while i < scalars.count, digits.count < max, ("0"..."9").contains(scalars[i]) {
                digits.unicodeScalars.append(scalars[i])
                i += 1
            }
            return digits.count >= min ? digits : nil
        }
        guard let year = number(4, 4), i < scalars.count else { return nil }
        let first = scalars[i]
        guard "/.-年".unicodeScalars.contains(first) else { return nil }
        i += 1
        guard let month = number(1, 2), i < scalars.count else { return nil }
        let second = scalars[i]
        guard first == "年" ? second == "月" : second == first else { return nil }
        i += 1
        guard let day = number(1, 2) else { return nil }
        if first == "年", i < scalars.count, scalars[i] == "日" { i += 1 }
        let rest = String(String.UnicodeScalarView(scalars[i...]))
        guard rest.isEmpty || rest.hasPrefix(" ") || rest.hasPrefix("T") else { return nil }
        let pad = { (s: String) in s.count == 1 ? "0" + s : s }
        return year + "-" + pad(month) + "-" + pad(day) + rest
    }
}
