import Foundation

/// Checks GB/T 2260 division codes and their statistical 9- and 12-digit extensions.
///
/// Codes arrive in records from every level of the hierarchy; knowing a code's level and
/// parent lets rootsync decide which node owns a record and reject codes that point nowhere.
public enum DivisionCode {
    /// Checks a 6-, 9- or 12-digit code against `table`.
    public static func check(_ value: String, field: String = "division_code", table: DivisionTable) -> DivisionCheck {
        var result = DivisionCheck(input: value)
        let code = value.trimmingSpace()
        guard [6, 9, 12].contains(code.count), let digits = DigitString(code) else {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.format",
                messageZh: "行政区划代码应为6位、9位或12位数字，实为“\(code)”",
                messageEn: "A division code must be 6, 9 or 12 digits; found \"\(code)\""))
            return result
        }
        result.code = code
        let county = String(code.prefix(6))
        let countyLevel = sixDigitLevel(county)

        if code.count == 6 {
            result.level = countyLevel
            result.jurisdictionPrefix = subtreePrefix(code)
            result.parentCode = parent(ofSixDigit: code, level: countyLevel, table: table)
        }

        guard let division = table.division(county) else {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.unknown",
                messageZh: "行政区划代码 \(county) 不在国家行政区划代码表（GB/T 2260，含历年代码）中",
                messageEn: "Division code \(county) is not in the GB/T 2260 list (current or historical)"))
            if code.count > 6 { describeLowerLevels(code, digits: digits, field: field, table: table, into: &result) }
            return result
        }
        if code.count == 6 {
            result.name = division.name
            result.isCurrent = division.isCurrent
            result.firstYear = division.firstYear
            result.lastYear = division.lastYear
            result.source = division.source
            if division.source == .grouping {
                result.notes.append(ValidationIssue(
                    field: field, rule: "division.grouping",
                    messageZh: "\(code) 是“市辖区”归类代码，不是一个行政区划；它出现在早期身份证号码和登记机关代码中，所以接受，但新记录请填写实际的区县代码",
                    messageEn: "\(code) is a 市辖区 grouping code, not a division of its own; it is accepted because early ID numbers and registering offices carry it, but new records should use the actual district code"))
            }
            return result
        }
        if countyLevel == .province {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.level",
                messageZh: "乡级或村级代码的前6位应为县级（或不设区的地级）代码，\(county)（\(division.name)）是省级代码",
                messageEn: "The first 6 digits of a township or village code must be a county (or prefecture) code; \(county) (\(division.name)) is a province"))
        }
        describeLowerLevels(code, digits: digits, field: field, table: table, into: &result)
        return result
    }

    /// Level of a 6-digit code from its trailing zeros.
    /// Fills level, kind, parent and name for 9- and 12-digit codes, and checks the township
    /// part (and village part) against the ranges of 《县以下行政区划代码编制规则》 and, for a
    /// county whose townships rootsync ships in full (Ordos), against that list.
    private static func describeLowerLevels(_ code: String, digits: DigitString, field: String,
                                            table: DivisionTable, into result: inout DivisionCheck) {
        let county = String(code.prefix(6))
        let township = digits.int(6, 3)
        let street = String(code.prefix(9))
        let townshipKind = DivisionKind.ofTownship(township)
        if township == 0 {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.level",
                messageZh: "代码 \(code) 的第7–9位（乡级部分）为000，这只是县级代码 \(county) 补零；请填写6位县级代码或实际的乡级代码",
                messageEn: "Digits 7–9 (township part) of \(code) are 000, which is just county \(county) padded with zeros; use the 6-digit county code or a real township code"))
        } else if townshipKind == nil {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.township_range",
                messageZh: "代码 \(code) 的第7–9位（乡级部分）\(street.suffix(3)) 不在编码规则的范围内：001–099 街道，100–199 镇，200–399 乡/苏木，400–599 开发区等",
                messageEn: "Digits 7–9 (township part) of \(code), \(street.suffix(3)), are outside the ranges of the coding rules: 001–099 subdistrict, 100–199 town, 200–399 township/sumu, 400–599 development zone"))
        }
        let known = table.township(street)
        if township != 0, townshipKind != nil, known == nil, table.listsTownships(ofCounty: county) {
            let countyName = table.division(county)?.name ?? county
            result.issues.append(ValidationIssue(
                field: field, rule: "division.township_unknown",
                messageZh: "乡级代码 \(street) 不在 \(countyName)（\(county)）的乡镇名录中（该县的乡镇已全部收录，国家统计局2023年代码）",
                messageEn: "Township code \(street) is not in the township list of \(countyName) (\(county)), which rootsync ships in full (NBS 2023 codes)"))
        }
        if code.count == 9 {
            result.level = .street
            result.kind = townshipKind
            result.parentCode = county
            result.jurisdictionPrefix = code
            if let known {
                result.name = known.name
            } else if result.issues.isEmpty {
                result.notes.append(ValidationIssue(
                    field: field, rule: "division.name_unknown",
                    messageZh: "乡级代码 \(code) 格式有效，但乡镇名录中没有它的名称（名录目前只收录鄂尔多斯市）",
                    messageEn: "Township code \(code) is well-formed, but its name is not in the township list (which covers only Ordos so far)"))
            }
            return
        }
        let village = digits.int(9, 3)
        result.level = .community
        result.kind = DivisionKind.ofVillage(village)
        result.parentCode = street
        result.jurisdictionPrefix = code
        if village == 0 && township != 0 {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.level",
                messageZh: "代码 \(code) 的第10–12位（村级部分）为000，这只是乡级代码 \(street) 补零；请填写9位乡级代码或实际的社区、村代码",
                messageEn: "Digits 10–12 (village part) of \(code) are 000, which is just township \(street) padded with zeros; use the 9-digit township code or a real community or village code"))
        } else if village != 0 && result.kind == nil {
            result.issues.append(ValidationIssue(
                field: field, rule: "division.village_range",
                messageZh: "代码 \(code) 的第10–12位（村级部分）\(code.suffix(3)) 不在编码规则的范围内：001–199 居委会/社区，200–399 村委会",
                messageEn: "Digits 10–12 (village part) of \(code), \(code.suffix(3)), are outside the ranges of the coding rules: 001–199 residents' committee, 200–399 villagers' committee"))
        }
    }

    private static func parent(ofSixDigit code: String, level: DivisionLevel, table: DivisionTable) -> String? {
        let province = String(code.prefix(2)) + "0000"
        switch level {
        case .province:
            return nil
        case .city:
            return province
        default:
            let prefecture = String(code.prefix(4)) + "00"
            return table.contains(prefecture) ? prefecture : province
        }
    }
}
