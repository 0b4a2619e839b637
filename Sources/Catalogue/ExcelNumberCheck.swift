import Standards

/// Excel shows a long number typed into a General cell as `1.50603E+17` and keeps only its first
/// 15 digits: an ID number, credit code or phone that went through it is lost, and only the
/// clerk can type it again. Every path (CLI, CSV, xlsx, form) meets this check in the record
/// validator, so the error always names the cause and the fix.
enum ExcelNumberCheck {
    /// Whether `text` is a number in scientific notation (`1.50603E+17`, `1.5060319800101e+17`).
    /// Decided on the bytes without allocating; most values exit at their first byte.
    static func isScientific(_ text: String) -> Bool {
        var sawE = false, digitsBefore = 0, digitsAfter = 0, dot = false
        var i = 0
        for c in text.utf8 {
            defer { i += 1 }
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if sawE { digitsAfter += 1 } else { digitsBefore += 1 }
            case UInt8(ascii: "."):
                if dot || sawE || digitsBefore == 0 { return false }
                dot = true
            case UInt8(ascii: "E"), UInt8(ascii: "e"):
                if sawE || digitsBefore == 0 { return false }
                sawE = true
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                // A sign only right after the E.
                if !sawE || digitsAfter > 0 { return false }
            default:
                return false
            }
        }
        return sawE && digitsAfter > 0
    }

    static func issue(_ item: DataItem, _ text: String) -> ValidationIssue {
        ValidationIssue(field: item.name, rule: "record.excel_number",
            messageZh: "“\(item.label)”的值 \(text) 是 Excel 的数字格式造成的：Excel 把长号码当成数字，用科学计数法显示并只保留前 15 位，后面几位已经丢失。请在 Excel 中把这一列设为“文本”格式，重新输入号码后再导入",
            messageEn: "\(item.name): \(text) is what Excel's number formatting made of the value: Excel took the long number for a number, shows it in scientific notation and keeps only 15 digits, so the last digits are lost. Format the column as Text in Excel, type the numbers again and import again")
    }
}
