import Foundation

/// Checks citizen identity numbers (公民身份号码, GB 11643-1999) and upgrades 15-digit ones.
///
/// The address code is accepted if it is a GB/T 2260 code of any year: a number keeps the code
/// of its first registration for life, and people move into counties created after their birth,
/// so tying the code to the birth year would reject real records.
public enum CitizenID {
    /// Weights for positions 1–17 (ISO 7064 MOD 11-2).
    public static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// Check character for Σ mod 11 = 0…10.
    public static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
    /// Birth years before this are treated as typing errors.
    public static let earliestBirthYear = 1850

    /// The check character for 17 leading digits, nil if `first17` is not 17 ASCII digits.
    public static func checkCharacter(for first17: String) -> Character? {
        guard first17.count == 17, let digits = DigitString(first17) else { return nil }
        let sum = zip(digits.digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    /// The 18-character number for 17 leading digits: them and their check character. Nil if
    /// `first17` is not 17 ASCII digits.
    public static func complete(_ first17: String) -> String? {
        checkCharacter(for: first17).map { first17 + String($0) }
    }

    /// Upgrades a 15-digit number (GB 11643-1989): "19" goes before the 2-digit year and the
    /// check character is appended. Nil unless the input is 15 ASCII digits.
    public static func upgradeLegacy(_ legacy: String) -> String? {
        guard legacy.count == 15, DigitString(legacy) != nil else { return nil }
        return complete(String(legacy.prefix(6) + "19" + legacy.dropFirst(6)))
    }

    /// Checks a citizen identity number. `today` defaults to the current date in China (UTC+8)
    /// and exists so tests do not depend on the clock.
    public static func check(_ value: String, field: String = "id_number", divisions: DivisionTable,
                             today: CalendarDate? = nil) -> CitizenIDCheck {
        checkCanonical(value, divisions: divisions, today: today) ?? checkFull(value, field: field, divisions: divisions, today: today)
    }

    /// Every rule, with a message for each problem found.
    static func checkFull(_ value: String, field: String, divisions: DivisionTable, today: CalendarDate?) -> CitizenIDCheck {
        var result = CitizenIDCheck(input: value)
        let text = value.trimmingSpace().uppercased()
        let chars = Array(text)

        guard chars.count == 18 || chars.count == 15 else {
            result.issues.append(issue(field, "id.length",
                "身份证号码应为18位（旧号码为15位），实为\(chars.count)位",
                "An ID number must have 18 characters (15 digits for an old-style number); found \(chars.count)"))
            return result
        }
        let isLegacy = chars.count == 15
        result.upgradedFromLegacy = isLegacy

        // Characters: digits everywhere, X allowed only as the 18th.
        var badPositions: [(Int, Character)] = []
        for (offset, char) in chars.enumerated() where !char.isASCIIDigit {
            if !(offset == 17 && char == "X") { badPositions.append((offset + 1, char)) }
        }
        if !badPositions.isEmpty {
            let listZh = badPositions.prefix(5).map { "第\($0.0)位“\($0.1)”" }.joined(separator: "、")
            let listEn = badPositions.prefix(5).map { "position \($0.0) '\($0.1)'" }.joined(separator: ", ")
            result.issues.append(issue(field, "id.charset",
                isLegacy ? "15位身份证号码只能由数字组成，发现：\(listZh)"
                         : "身份证号码前17位只能是数字，最后一位是数字或X，发现：\(listZh)",
                isLegacy ? "A 15-digit ID number may contain digits only; found \(listEn)"
                         : "The first 17 characters of an ID number must be digits and the last a digit or X; found \(listEn)"))
        }

        // Address code.
        let address = text.slice(0, 6)
        if DigitString(address) != nil {
            result.addressCode = address
            if let division = divisions.division(address) {
                result.addressName = division.name
            } else {
                result.issues.append(issue(field, "id.address_code",
                    "身份证号码前6位地址码 \(address) 不是有效的行政区划代码（已核对现行和历年代码）",
                    "The first 6 digits (\(address)) are not a known administrative division code, current or historical"))
            }
        }

        // Birth date.
        let rawDate = isLegacy ? "19" + text.slice(6, 6) : text.slice(6, 8)
        if DigitString(rawDate) != nil {
            if let birth = CalendarDate(compact: rawDate) {
                let now = today ?? CalendarDate.today()
                if birth.year < earliestBirthYear {
                    result.issues.append(issue(field, "id.birth_date",
                        "身份证号码中的出生日期 \(birth.iso) 早于\(earliestBirthYear)年，应为录入错误",
                        "The birth date in the ID number (\(birth.iso)) is before \(earliestBirthYear), which must be a typing error"))
                } else if birth > now {
                    result.issues.append(issue(field, "id.birth_future",
                        "身份证号码中的出生日期 \(birth.iso) 晚于今天（\(now.iso)）",
                        "The birth date in the ID number (\(birth.iso)) is after today (\(now.iso))"))
                } else {
                    result.birthDate = birth.iso
                }
            } else {
                result.issues.append(issue(field, "id.birth_date",
                    "身份证号码中的出生日期 \(rawDate) 不是真实存在的日期",
                    "The birth date in the ID number (\(rawDate)) is not a real calendar date"))
            }
        }

        // Sex from the sequence's last digit.
        let sequence = isLegacy ? text.slice(12, 3) : text.slice(14, 3)
        if let digits = DigitString(sequence) {
            result.sex = digits.digits[2] % 2 == 1 ? "1" : "2"
        }

        guard badPositions.isEmpty else { return result }
        if isLegacy {
            result.normalized = upgradeLegacy(text)
        } else {
            result.normalized = text
            if let expected = checkCharacter(for: String(text.prefix(17))), expected != chars[17] {
                result.issues.append(issue(field, "id.check_char",
                    "身份证号码校验位错误：应为 \(expected)，实为 \(chars[17])",
                    "ID number check character is wrong: expected \(expected), found \(chars[17])"))
            }
        }
        return result
    }

    /// The same check on the UTF-8 bytes for the common case, an 18-character number already in
    /// standard form that passes every rule; nil for anything else, which the full check then
    /// describes (it names each problem). Every write of a person checks its key: this path
    /// builds no arrays of characters and no substrings.
    static func checkCanonical(_ value: String, divisions: DivisionTable, today: CalendarDate?) -> CitizenIDCheck? {
        var bytes = value
        return bytes.withUTF8 { b -> CitizenIDCheck? in
            guard b.count == 18 else { return nil }
            var sum = 0
            for i in 0..<17 {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                sum += d * weights[i]
            }
            let check = b[17]
            guard check == checkBytes[sum % 11] else { return nil }
            func number(_ from: Int, _ count: Int) -> Int { (from..<from + count).reduce(0) { $0 * 10 + Int(b[$1]) - 48 } }
            guard let birth = CalendarDate(year: number(6, 4), month: number(10, 2), day: number(12, 2)),
                  birth.year >= earliestBirthYear, birth <= (today ?? CalendarDate.today()) else { return nil }
            let address = String(decoding: UnsafeBufferPointer(rebasing: b[0..<6]), as: UTF8.self)
            guard let division = divisions.division(address) else { return nil }
            var result = CitizenIDCheck(input: value)
            result.normalized = value
            result.addressCode = address
            result.addressName = division.name
            result.birthDate = birth.iso
            result.sex = (Int(b[16]) - 48) % 2 == 1 ? "1" : "2"
            return result
        }
    }

    private static let checkBytes = checkCharacters.map { $0.asciiValue! }

    private static func issue(_ field: String, _ rule: String, _ zh: String, _ en: String) -> ValidationIssue {
        ValidationIssue(field: field, rule: rule, messageZh: zh, messageEn: en)
    }
}
