import Foundation

/// The format of a catalogue data item, such as `C6`, `C3..10`, `N..15,2` or `D8`.
///
/// Shared data is only useful when every provider writes values the same way; checking each
/// value against its item's declared format catches the mistakes before they are synced.
///
/// Length notation: `C6` is exactly 6, `C3..10` is 3 to 10, `C..10` is up to 10 characters
/// (characters, so a Chinese character counts 1). For numbers (N, Y, I, B, F) a single length
/// is a maximum digit count, because numbers are not zero-padded; `,f` gives the fraction
/// digits. N without `,f` holds integers; Y defaults to 2 fraction digits.
public struct ItemFormat: Sendable, Hashable, CustomStringConvertible {
    /// Why a format string could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var format: String
        public var reasonZh: String
        public var reasonEn: String
        public var description: String { "数据项格式“\(format)”无效：\(reasonZh) / invalid item format \"\(format)\": \(reasonEn)" }
    }

    public let type: ItemType
    /// Smallest length (characters, or digits for numbers); nil when there is none.
    public let minLength: Int?
    /// Largest length (characters, or digits for numbers); nil when there is none.
    public let maxLength: Int?
    /// Digits allowed after the decimal point for N, Y, B, F; nil when not limited.
    public let fractionDigits: Int?
    /// The format as written, normalized (e.g. `N..15,2`).
    public let description: String

    public init(type: ItemType, minLength: Int? = nil, maxLength: Int? = nil, fractionDigits: Int? = nil) {
        self.type = type
        self.minLength = minLength
        self.maxLength = maxLength
        self.fractionDigits = fractionDigits
        var text = type.letter
        if let minLength, minLength == maxLength, !type.isNumber {
            text += String(minLength)
        } else if let maxLength {
            text += (minLength.map(String.init) ?? "") + ".." + String(maxLength)
        }
        let impliedFraction: Int? = type == .numeric ? 0 : type == .currency ? 2 : nil
        if let fractionDigits, fractionDigits != impliedFraction { text += ",\(fractionDigits)" }
        description = text
    }

    // MARK: Parsing

    /// Reads a format string: a type letter, then optionally `n`, `m..n` or `..n`, then for
    /// numbers optionally `,f`.
    public static func parse(_ text: String) throws -> ItemFormat {
        let format = text.trimmingCharacters(in: .whitespaces)
        func fail(_ zh: String, _ en: String) -> ParseError { ParseError(format: text, reasonZh: zh, reasonEn: en) }
        guard let letter = format.first else { throw fail("格式为空，应写成 C6、C..10、N..15,2、D8 这样", "empty format; expected e.g. C6, C..10, N..15,2, D8") }
        guard let type = ItemType(rawValue: String(letter).uppercased()) else {
            let letters = ItemType.allCases.map(\.letter).joined(separator: " ")
            throw fail("类型字母“\(letter)”不存在，应为 \(letters) 之一", "unknown type letter '\(letter)'; expected one of \(letters)")
        }
        var rest = Substring(format.dropFirst())

        var fraction: Int?
        if let comma = rest.firstIndex(of: ",") {
            guard [.numeric, .currency, .double, .float].contains(type) else {
                throw fail("只有 N、Y、B、F 类型可以规定小数位", "only N, Y, B and F may declare fraction digits")
            }
            guard let digits = number(rest[rest.index(after: comma)...]) else {
                throw fail("逗号后的小数位数应为数字", "fraction digits after ',' must be a number")
            }
            fraction = digits
            rest = rest[..<comma]
        }

        var minimum: Int?
        var maximum: Int?
        var isRange = false
        if let dots = rest.range(of: "..") {
            isRange = true
            let low = rest[..<dots.lowerBound]
            if !low.isEmpty {
                guard let value = number(low) else { throw fail("“..”前的最小长度应为数字", "length before '..' must be a number") }
                minimum = value
            }
            guard let value = number(rest[dots.upperBound...]) else { throw fail("“..”后的最大长度应为数字", "length after '..' must be a number") }
            maximum = value
        } else if !rest.isEmpty {
            guard let value = number(rest) else { throw fail("长度应为数字，如 C6 或 C..10", "length must be a number, e.g. C6 or C..10") }
            maximum = value
            if !type.isNumber { minimum = value }
        }
        if let maximum, maximum == 0 { throw fail("长度至少为1", "length must be at least 1") }
        if let minimum, let maximum, minimum > maximum { throw fail("最小长度 \(minimum) 大于最大长度 \(maximum)", "minimum length \(minimum) exceeds maximum \(maximum)") }
        if let fraction, let maximum, fraction >= maximum, type != .double, type != .float {
            throw fail("小数位数（\(fraction)）应小于总位数（\(maximum)）", "fraction digits (\(fraction)) must be fewer than total digits (\(maximum))")
        }
        if type == .integer, fraction != nil { throw fail("I（整型）不能有小数位", "I (integer) cannot have fraction digits") }

        switch type {
        case .date:
            guard !isRange, maximum == nil || maximum == 8 || maximum == 14 else {
                throw fail("日期只能是 D8（YYYYMMDD）或 D14（YYYYMMDDhhmmss）", "a date is D8 (YYYYMMDD) or D14 (YYYYMMDDhhmmss)")
            }
            let length = maximum ?? 8
            return ItemFormat(type: .date, minLength: length, maxLength: length)
        case .dateTime:
            guard !isRange, maximum == nil || maximum == 14 else { throw fail("日期时间只能是 T14（YYYYMMDDhhmmss）", "a date-time is T14 (YYYYMMDDhhmmss)") }
            return ItemFormat(type: .dateTime, minLength: 14, maxLength: 14)
        case .logical:
            guard !isRange, maximum == nil || maximum == 1 else { throw fail("逻辑型只能是 L1", "a logical item is L1") }
            return ItemFormat(type: .logical, minLength: 1, maxLength: 1)
        case .currency:
            return ItemFormat(type: .currency, minLength: minimum, maxLength: maximum, fractionDigits: fraction ?? 2)
        case .numeric:
            return ItemFormat(type: .numeric, minLength: minimum, maxLength: maximum, fractionDigits: fraction ?? 0)
        default:
            return ItemFormat(type: type, minLength: minimum, maxLength: maximum, fractionDigits: fraction)
        }
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 6, let digits = DigitString(text) else { return nil }
        return digits.int(0, digits.digits.count)
    }

    // MARK: Normalizing

    /// Brings common spellings into the canonical form the format requires: `YYYY-MM-DD` →
    /// `YYYYMMDD` (D8), `YYYY-MM-DD hh:mm:ss` → `YYYYMMDDhhmmss` (D14, T14), 是/true → 1 and
    /// 否/false → 0 (L). Surrounding spaces are removed except for text types, where they may
    /// matter. Values it cannot improve are returned unchanged.
    public func normalize(_ value: String) -> String {
        switch type {
        case .string, .memo, .general:
            return value
        case .date where maxLength == 8:
            let trimmed = value.trimmingSpace()
            return Self.compactDate(trimmed) ?? trimmed
        case .date, .dateTime:
            let trimmed = value.trimmingSpace()
            let parts = trimmed.split(whereSeparator: { $0 == " " || $0 == "T" })
            guard parts.count == 2, let date = Self.compactDate(String(parts[0])) else { return trimmed }
            let time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard time.count == 3, time.allSatisfy({ $0.count == 2 && DigitString($0) != nil }) else { return trimmed }
            return date + time.joined()
        case .logical:
            let trimmed = value.trimmingSpace()
            switch trimmed.lowercased() {
            case "1", "true", "是": return "1"
            case "0", "false", "否": return "0"
            default: return trimmed
            }
        default:
            return value.trimmingSpace()
        }
    }

    /// `YYYY-MM-DD` (ASCII digits only) → `YYYYMMDD`, decided on the bytes; nil for anything else.
    private static func compactDate(_ text: String) -> String? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(8)
        for (i, c) in b.enumerated() where i != 4 && i != 7 {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Checking

    /// Checks a value against the format after `normalize`. An empty value passes: whether an
    /// item is required is decided by the caller, not by its format.
    public func check(_ value: String, field: String) -> [ValidationIssue] {
        check(normalized: normalize(value), field: field)
    }

    /// `check` of a value already through `normalize` (the record validator normalizes first).
    public func check(normalized: String, field: String) -> [ValidationIssue] {
        if normalized.isEmpty { return [] }
        switch type {
        case .string, .memo:
            return checkCharacterCount(normalized, field: field)
        case .general:
            return []
        case .numeric, .currency, .integer:
            return checkDecimal(normalized, field: field)
        case .double, .float:
            return checkFloating(normalized, field: field)
        case .date, .dateTime:
            return checkDate(normalized, field: field)
        case .logical:
            if normalized == "1" || normalized == "0" { return [] }
            return [issue(field, "format.type",
                          "“\(normalized)”不是逻辑值，应为 1/0、true/false 或 是/否",
                          "\"\(normalized)\" is not a yes/no value; use 1/0, true/false or 是/否")]
        }
    }

    private func issue(_ field: String, _ rule: String, _ zh: String, _ en: String) -> ValidationIssue {
        ValidationIssue(field: field, rule: rule, messageZh: zh + "（格式 \(description)）",
                        messageEn: en + " (format \(description))")
    }

    private func lengthIssue(_ field: String, count: Int, unitZh: String, unitEn: String) -> ValidationIssue? {
        if let minLength, minLength == maxLength, count != minLength {
            return issue(field, "format.length", "长度应为\(minLength)个\(unitZh)，实为\(count)个",
                         "must be exactly \(minLength) \(unitEn); found \(count)")
        }
        if let maxLength, count > maxLength {
            return issue(field, "format.length", "长度最多\(maxLength)个\(unitZh)，实为\(count)个",
                         "must be at most \(maxLength) \(unitEn); found \(count)")
        }
        if let minLength, count < minLength {
            return issue(field, "format.length", "长度至少\(minLength)个\(unitZh)，实为\(count)个",
                         "must be at least \(minLength) \(unitEn); found \(count)")
        }
        return nil
    }

    private func checkCharacterCount(_ value: String, field: String) -> [ValidationIssue] {
        // ASCII text has as many characters as bytes; only other text needs grapheme counting.
        let count = value.utf8.allSatisfy { $0 < 0x80 } ? value.utf8.count : value.count
        return lengthIssue(field, count: count, unitZh: "字符", unitEn: "characters").map { [$0] } ?? []
    }

    /// N, Y, I: optional sign, digits, optional point and fraction digits.
    private func checkDecimal(_ value: String, field: String) -> [ValidationIssue] {
        let unsigned = value.first == "+" || value.first == "-" ? value.dropFirst() : Substring(value)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts[0]
        let fractionPart = parts.count > 1 ? parts[1] : ""
        let wellFormed = parts.count <= 2 && DigitString(integerPart) != nil
            && (parts.count == 1 || DigitString(fractionPart) != nil)
        guard wellFormed else {
            return [issue(field, "format.type", "“\(value)”不是数字", "\"\(value)\" is not a number")]
        }
        if type == .integer, parts.count > 1 {
            return [issue(field, "format.type", "“\(value)”应为整数，不能有小数点", "\"\(value)\" must be a whole number")]
        }
        var issues: [ValidationIssue] = []
        if let length = lengthIssue(field, count: integerPart.count + fractionPart.count, unitZh: "数字", unitEn: "digits") {
            issues.append(length)
        }
        if let fractionDigits, fractionPart.count > fractionDigits {
            issues.append(fractionDigits == 0
                ? issue(field, "format.decimal", "“\(value)”应为整数，不能有小数", "\"\(value)\" must be a whole number")
                : issue(field, "format.decimal", "“\(value)”小数位最多\(fractionDigits)位，实为\(fractionPart.count)位",
                        "\"\(value)\" may have at most \(fractionDigits) digits after the point; found \(fractionPart.count)"))
        }
        return issues
    }

    /// B, F: any finite decimal or scientific notation.
    private func checkFloating(_ value: String, field: String) -> [ValidationIssue] {
        let allowed = Set("0123456789+-.eE")
        guard value.allSatisfy({ allowed.contains($0) }), let number = Double(value), number.isFinite else {
            return [issue(field, "format.type", "“\(value)”不是数字", "\"\(value)\" is not a number")]
        }
        let mantissa = value.split(whereSeparator: { $0 == "e" || $0 == "E" })[0]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let digitCount = mantissa.filter(\.isASCIIDigit).count
        var issues: [ValidationIssue] = []
        if let length = lengthIssue(field, count: digitCount, unitZh: "数字", unitEn: "digits") { issues.append(length) }
        if let fractionDigits, parts.count > 1, parts[1].count > fractionDigits {
            issues.append(issue(field, "format.decimal", "“\(value)”小数位最多\(fractionDigits)位，实为\(parts[1].count)位",
                                "\"\(value)\" may have at most \(fractionDigits) digits after the point; found \(parts[1].count)"))
        }
        return issues
    }

    /// D8 `YYYYMMDD`; D14 and T14 `YYYYMMDDhhmmss`.
    private func checkDate(_ value: String, field: String) -> [ValidationIssue] {
        let length = maxLength ?? 8
        let pattern = length == 8 ? "YYYYMMDD" : "YYYYMMDDhhmmss"
        var bad: [ValidationIssue] {
            [issue(field, "format.date", "“\(value)”不是有效的日期，应为 \(pattern)",
                   "\"\(value)\" is not a valid date; expected \(pattern)")]
        }
        guard value.utf8.count == length, let digits = DigitString(value),
              CalendarDate(year: digits.int(0, 4), month: digits.int(4, 2), day: digits.int(6, 2)) != nil else {
            return bad
        }
        if length == 14, digits.int(8, 2) > 23 || digits.int(10, 2) > 59 || digits.int(12, 2) > 59 {
            return bad
        }
        return []
    }
}
