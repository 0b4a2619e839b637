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
