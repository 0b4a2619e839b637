import Foundation
import Testing
import TestSupport
@testable import Standards

/// Randomized tests here: `ROOTSYNC_SEED` or a fixed seed, and how many values each tries.
extension TestSeed {
    static let standards = value(default: 0x5EED_2026)
    static let iterations = 2_000
    static var reproduce: String { "seed=\(standards) (rerun with ROOTSYNC_SEED=\(standards))" }
}

/// A small division table, independent of the bundled data files.
enum Fixtures {
    static let divisionsTSV = """
        # test fixture in the format of gbt2260-divisions.tsv
        code\tname\tfirst_year\tlast_year\tsource
        110000\t北京市\t1980\t\tgbt2260
        110100\t市辖区\t1980\t\tgbt2260
        110105\t朝阳区\t1980\t\tgbt2260
        110108\t海淀区\t1980\t\tgbt2260
        150000\t内蒙古自治区\t1980\t\tgbt2260
        150600\t鄂尔多斯市\t2001\t\tgbt2260
        150602\t东胜区\t2001\t\tgbt2260
        150603\t康巴什区\t2016\t\tgbt2260
        150621\t达拉特旗\t1980\t\tgbt2260
        152700\t伊克昭盟\t1980\t2000\tgbt2260
        152701\t东胜市\t1983\t2000\tgbt2260
        350000\t福建省\t1980\t\tgbt2260
        350100\t福州市\t1980\t\tgbt2260
        420000\t湖北省\t1980\t\tgbt2260
        429004\t仙桃市\t1986\t\tgbt2260
        440000\t广东省\t1980\t\tgbt2260
        440300\t深圳市\t1980\t\tgbt2260
        440500\t汕头市\t1980\t\tgbt2260
        440524\t潮阳县\t1980\t1993\tgbt2260
        440301\t市辖区\t1980\t2018\tgrouping
        232761\t加格达奇区\t2018\t2018\tstats
        830000\t台湾居民（居住证）\t2018\t\tpermit

        """
    static let townshipsTSV = """
        # test fixture in the format of ordos-townships.tsv
        county_code\tcounty\ttownship\tnbs2023_9digit\tmca2025_12digit
        150602\t东胜区\t交通街道\t150602001\t150602001000
        150602\t东胜区\t泊尔江海子镇\t150602100\t150602106000
        150603\t康巴什区\t哈巴格希街道\t150603001\t150603001000
        150603\t康巴什区\t青春山街道\t150603002\t150603002000
        150603\t康巴什区\t鄂尔多斯市高新技术产业园区\t150603400\t
        150621\t达拉特旗\t展旦召苏木\t150621200\t150621201000

        """
    static let table: DivisionTable = {
        do { return try DivisionTable.parse(divisionsTSV: divisionsTSV, townshipsTSV: townshipsTSV) } catch {
            fatalError("fixture tables do not parse: \(error)")
        }
    }()
    static let countyCodes = ["110105", "110108", "150602", "150603", "150621", "152701", "429004", "440524"]
    static let today = CalendarDate(year: 2025, month: 6, day: 1)!
}

/// Check-character arithmetic written out again from the standards, so the tests do not
/// trust the code under test to make their own vectors.
enum Reference {
    static let usccAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    static func idCheck(_ first17: String) -> Character {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(first17, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return Array("10X98765432")[sum % 11]
    }

    static func orgCheck(_ body: String) -> Character {
        let weights = [3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for (char, weight) in zip(body, weights) {
            sum += (char.isNumber ? Int(String(char))! : Int(char.asciiValue!) - 55) * weight
        }
        let c = 11 - sum % 11
        return c == 10 ? "X" : c == 11 ? "0" : Character(String(c))
    }

    static func usccCheck(_ first17: String) -> Character {
        var sum = 0
        var weight = 1
        for char in first17 {
            sum += usccAlphabet.firstIndex(of: char)! * weight
            weight = weight * 3 % 31
        }
        return usccAlphabet[(31 - sum % 31) % 31]
    }

    /// A valid 18-digit ID for the given parts.
    static func id(county: String, birth: String, sequence: String) -> String {
        let first17 = county + birth + sequence
        return first17 + String(idCheck(first17))
    }

    /// A valid credit code for the given parts (org body of 8 characters).
    static func uscc(_ authorityAndType: String, division: String, body: String) -> String {
        let first17 = authorityAndType + division + body + String(orgCheck(body))
        return first17 + String(usccCheck(first17))
    }
}

/// Random valid values for property tests.
enum Generate {
    static func id<R: RandomNumberGenerator>(_ rng: inout R) -> String {
        let county = Fixtures.countyCodes.randomElement(using: &rng)!
        let year = Int.random(in: 1850...2024, using: &rng)
        let month = Int.random(in: 1...12, using: &rng)
        let day = Int.random(in: 1...CalendarDate.daysIn(month: month, year: year), using: &rng)
        let birth = String(format: "%04d%02d%02d", year, month, day)
        return Reference.id(county: county, birth: birth, sequence: String(format: "%03d", Int.random(in: 0...999, using: &rng)))
    }

    static let authorityTypes = ["11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49",
                                 "51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92",
                                 "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"]

    static func uscc<R: RandomNumberGenerator>(_ rng: inout R) -> String {
        let pair = authorityTypes.randomElement(using: &rng)!
        let division = (Fixtures.countyCodes + ["150600", "100000"]).randomElement(using: &rng)!
        let body = String((0..<8).map { _ in Reference.usccAlphabet.randomElement(using: &rng)! })
        return Reference.uscc(pair, division: division, body: body)
    }
}

extension Array where Element == ValidationIssue {
    var rules: [String] { map(\.rule) }
}

@Suite("Trimming")
struct TrimmingTests {
    @Test func trimsUnicodeSpaceAndNewlinesLikeFoundation() {
        #expect(" 张三 ".trimmingSpace() == "张三")
        #expect("\u{3000}张三\n\t".trimmingSpace() == "张三")
        #expect("张 三".trimmingSpace() == "张 三")
        #expect("   ".trimmingSpace() == "")
        #expect("".trimmingSpace() == "")
        #expect("a".trimmingSpace() == "a")
    }
}
