import Foundation

/// Checks unified social credit codes (统一社会信用代码, GB 32100-2015).
///
/// Every structural rule is checked independently, so a code with several mistakes gets all of
/// them reported. Codes of authorities A, N and Y have letters in front and are as valid as any.
public enum CreditCode {
    /// The 31 characters a credit code may use; I, O, Z, S and V are left out to avoid
    /// confusion with 1, 0, 2, 5 and U. A character's value is its index here.
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// Weights for positions 1–17 (3^i mod 31, ISO 7064 MOD 31-3).
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    /// GB 11714 organization code weights for its 8 body characters.
    public static let organizationWeights = [3, 7, 9, 10, 5, 8, 4, 2]
    /// The area code central (national-level) registrations use; it is not itself in GB/T 2260.
    public static let nationalDivisionCode = "100000"

    private static let values: [Character: Int] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($0.element, $0.offset) })

    /// Value (0–30) of a character in the credit-code alphabet.
    public static func value(of character: Character) -> Int? { values[character] }

    /// The 18th character for 17 leading characters, nil if they are not 17 alphabet characters.
    public static func checkCharacter(for first17: String) -> Character? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for (char, weight) in zip(chars, weights) {
            guard let value = values[char] else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// GB 11714 check character for an 8-character organization code body (digits and
    /// uppercase letters, letter value = ASCII − 55), nil for other input.
    public static func organizationCheckCharacter(for body: String) -> Character? {
        let chars = Array(body)
        guard chars.count == 8 else { return nil }
        var sum = 0
        for (char, weight) in zip(chars, organizationWeights) {
            guard let ascii = char.asciiValue else { return nil }
            let value: Int
            switch ascii {
            case 48...57: value = Int(ascii) - 48
            case 65...90: value = Int(ascii) - 55
            default: return nil
            }
            sum += value * weight
        }
        switch 11 - sum % 11 {
        case 10: return "X"
        case 11: return "0"
        case let digit: return Character(String(digit))
        }
    }

    /// Checks a credit code. Lowercase letters are accepted and uppercased.
    public static func check(_ value: String, field: String = "uscc", divisions: DivisionTable) -> CreditCodeCheck {
        var result = CreditCodeCheck(input: value)
        let text = value.trimmingSpace().uppercased()
        let chars = Array(text)

        if chars.count != 18 {
            result.issues.append(issue(field, "uscc.length",
                "统一社会信用代码应为18位，实为\(chars.count)位",
                "A unified social credit code must have 18 characters; found \(chars.count)"))
        }
        let bad = chars.enumerated().filter { values[$0.element] == nil }
        if !bad.isEmpty {
            let listZh = bad.prefix(5).map { "第\($0.offset + 1)位“\($0.element)”" }.joined(separator: "、")
            let listEn = bad.prefix(5).map { "position \($0.offset + 1) '\($0.element)'" }.joined(separator: ", ")
            result.issues.append(issue(field, "uscc.charset",
                "统一社会信用代码只能由数字和大写字母组成，且不使用 I、O、Z、S、V，发现：\(listZh)",
                "A credit code may contain only digits and capital letters other than I, O, Z, S and V; found \(listEn)"))
        }
        guard chars.count == 18 else { return result }

        // Position 1 and 2: authority and entity type.
        let authorityCode = String(chars[0])
        if let authority = RegistrationAuthority.find(authorityCode) {
            result.authority = authority
            let typeCode = String(chars[1])
            if let type = authority.entityType(typeCode) {
                result.entityType = type
            } else {
                let allowed = authority.entityTypes.map { "\($0.code) \($0.nameZh)" }.joined(separator: "、")
                let allowedCodes = authority.entityTypes.map(\.code).joined(separator: ", ")
                result.issues.append(issue(field, "uscc.entity_type",
                    "第2位机构类别“\(typeCode)”不属于登记管理部门 \(authority.code)（\(authority.nameZh)），应为：\(allowed)",
                    "Position 2 (entity type) '\(typeCode)' is not used by registration authority \(authority.code) (\(authority.nameZh)); allowed: \(allowedCodes)"))
            }
        } else {
            let allowed = RegistrationAuthority.all.map(\.code).joined(separator: " ")
            result.issues.append(issue(field, "uscc.authority",
                "第1位登记管理部门代码“\(authorityCode)”不存在，应为：\(allowed)",
                "Position 1 (registration authority) '\(authorityCode)' does not exist; allowed: \(allowed)"))
        }

        // Positions 3–8: registering office's division.
        let division = text.slice(2, 6)
        if DigitString(division) != nil, division == nationalDivisionCode || divisions.contains(division) {
            result.divisionCode = division
            result.divisionName = division == nationalDivisionCode ? "中央（全国）" : divisions.division(division)?.name
        } else {
            result.issues.append(issue(field, "uscc.division",
                "第3–8位登记管理机关行政区划码“\(division)”不是有效的行政区划代码",
                "Positions 3–8 (\"\(division)\") are not a known administrative division code"))
        }

        // Positions 9–17: organization code with its own check character.
        let organization = text.slice(8, 9)
        if organization.allSatisfy({ values[$0] != nil }) {
            result.organizationCode = organization
            if let expected = organizationCheckCharacter(for: String(organization.prefix(8))),
               expected != chars[16] {
                result.issues.append(issue(field, "uscc.org_check",
                    "第9–17位组织机构代码“\(organization)”的校验位错误：应为 \(expected)，实为 \(chars[16])",
                    "The organization code in positions 9–17 (\(organization)) has a wrong check character: expected \(expected), found \(chars[16])"))
            }
        }

        // Position 18: check character over the whole code.
        guard bad.isEmpty else { return result }
        result.normalized = text
        if let expected = checkCharacter(for: String(text.prefix(17))), expected != chars[17] {
            result.issues.append(issue(field, "uscc.check_char",
                "统一社会信用代码校验位错误：应为 \(expected)，实为 \(chars[17])",
                "Credit code check character is wrong: expected \(expected), found \(chars[17])"))
        }
        return result
    }

    private static func issue(_ field: String, _ rule: String, _ zh: String, _ en: String) -> ValidationIssue {
        ValidationIssue(field: field, rule: rule, messageZh: zh, messageEn: en)
    }
}
