import Foundation
import Testing
@testable import Standards

/// Tests against the shipped division tables. They run once the data files exist; a file
/// that exists but does not load is a failure, not a skip.
enum Bundled {
    static let result: Result<DivisionTable, Error> = Result { try DivisionTable.loadBundled() }
    static var filesPresent: Bool {
        if case .failure(let error as StandardsDataError) = result, error.reason.hasPrefix("bundled resource missing") {
            return false
        }
        return true
    }
}

@Suite(.enabled(if: Bundled.filesPresent, "bundled division tables not written yet"))
struct BundledDataTests {
    @Test func tablesLoad() throws {
        let table = try Bundled.result.get()
        #expect(table.division("150600")?.name == "鄂尔多斯市")
        #expect(table.division("150603")?.isCurrent == true)
        #expect(table.division("152701")?.isCurrent == false)
        #expect(table.township("150603002")?.name == "青春山街道")
        #expect(DivisionTable.bundled == table)
    }

    @Test func divisionLevelsWithRealData() throws {
        let table = try Bundled.result.get()
        #expect(DivisionCode.check("150600", table: table).parentCode == "150000")
        #expect(DivisionCode.check("150603", table: table).parentCode == "150600")
        #expect(DivisionCode.check("150603002", table: table).name == "青春山街道")
        #expect(DivisionCode.check("150603002001", table: table).isValid)
        #expect(DivisionCode.check("152701", table: table).isValid)
        #expect(DivisionCode.check("159999", table: table).issues.rules == ["division.unknown"])
    }

    @Test func identityNumbersWithRealData() throws {
        let table = try Bundled.result.get()
        for id in ["11010519491231002X", "440524188001010014",
                   Reference.id(county: "150603", birth: "19900101", sequence: "123"),
                   Reference.id(county: "152701", birth: "19750615", sequence: "044")] {
            let result = CitizenID.check(id, divisions: table, today: Fixtures.today)
            #expect(result.isValid, "\(id): \(result.issues)")
        }
        #expect(CitizenID.check("150602900101123", divisions: table, today: Fixtures.today).isValid)
    }

    @Test func creditCodesWithRealData() throws {
        let table = try Bundled.result.get()
        for code in ["91350100M000100Y43", "51100000500002862F", "12440300455752807L",
                     Reference.uscc("N2", division: "150603", body: "MA0K2T6R")] {
            let result = CreditCode.check(code, divisions: table)
            #expect(result.isValid, "\(code): \(result.issues)")
        }
    }
}

/// The codes of Scripts/data/gbt2260-supplement.tsv: in none of cn/GB2260's yearly lists, dated by
/// a second source. The old table (cn/GB2260 only) rejected every one of them.
@Suite(.enabled(if: Bundled.filesPresent, "bundled division tables not written yet"))
struct SupplementTests {
    /// The codes issue 18's audit found on ID numbers, with what the sources say of them.
    static let audited: [(code: String, name: String, first: Int, last: Int, source: DivisionSource)] = [
        ("320212", "马山区", 1987, 1999, .gbt2260),        // printed GB/T 2260 1988-1999 (areacodes errata)
        ("450111", "市郊区", 1984, 2000, .gbt2260),        // printed GB/T 2260 1986-1999
        ("362502", "临川市", 1987, 1999, .gbt2260),        // printed GB/T 2260 1988-1999
        ("460037", "西沙群岛", 1988, 2000, .gbt2260),      // printed GB/T 2260 1988-1999
        ("632859", "茫崖行政委员会", 2017, 2017, .stats),   // Wikipedia, until 2017 (start not dated)
        ("110209", "延庆县", 1980, 1981, .gbt2260),        // MCA lists 1980-1981, GB 2260-80 numbering
        ("332727", "玉环县", 1980, 1981, .gbt2260),
    ]

    @Test func auditedCodesAreInTheTable() throws {
        let table = try Bundled.result.get()
        for a in Self.audited {
            let division = try #require(table.division(a.code), "\(a.code) \(a.name) missing")
            #expect(division.name == a.name, "\(a.code)")
            #expect(division.firstYear == a.first && division.lastYear == a.last, "\(a.code): \(division)")
            #expect(division.source == a.source, "\(a.code)")
            #expect(DivisionCode.check(a.code, table: table).isValid, "\(a.code)")
        }
    }

    @Test func idsAndCreditCodesWithAuditedCodesAreAccepted() throws {
        let table = try Bundled.result.get()
        for a in Self.audited {
            // Born before, during and after the years the code was listed: all valid.
            for birth in ["19500101", "\(a.first)0615", "20010930"] {
                let id = Reference.id(county: a.code, birth: birth, sequence: "017")
                let result = CitizenID.check(id, divisions: table, today: Fixtures.today)
                #expect(result.isValid, "\(id): \(result.issues)")
            }
            let legacy = a.code + "650101" + "123"
            #expect(CitizenID.check(legacy, divisions: table, today: Fixtures.today).isValid, "\(legacy)")
            let code = Reference.uscc("91", division: a.code, body: "MA0K2T6R")
            let result = CreditCode.check(code, divisions: table)
            #expect(result.isValid, "\(code): \(result.issues)")
        }
    }

    /// Codes the sources have but the supplement leaves out stay unknown: 442137 and 231019, which
    /// yescallop/areacodes fills in by guess, and codes nobody lists.
    @Test func guessedCodesStayRejected() throws {
        let table = try Bundled.result.get()
        for code in ["442137", "231019", "320299"] {
            #expect(!table.contains(code), "\(code)")
            let id = Reference.id(county: code, birth: "19700101", sequence: "001")
            let result = CitizenID.check(id, divisions: table, today: Fixtures.today)
            #expect(result.issues.first?.rule == "id.address_code", "\(id): \(result.issues)")
        }
    }

    /// Every supplement row is in the shipped table as the supplement gives it: a supplement edited
    /// without regenerating the table (make-division-history.py) fails here.
    @Test func everySupplementRowIsInTheTable() throws {
        let table = try Bundled.result.get()
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/data/gbt2260-supplement.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows = 0
        for line in text.split(separator: "\n") where line.first?.isNumber == true {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(f.count == 6, "\(line)")
            rows += 1
            let division = try #require(table.division(f[0]), "supplement code \(f[0]) is not in the table")
            #expect(division.name == f[1] && division.firstYear == Int(f[2]) && division.lastYear == Int(f[3])
                    && division.source.rawValue == f[4], "\(f[0]): table \(division), supplement \(f)")
        }
        #expect(rows >= Self.audited.count)
    }
}
