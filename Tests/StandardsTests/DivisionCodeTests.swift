import Foundation
import Testing
@testable import Standards

@Suite struct DivisionCodeTests {
    let table = Fixtures.table

    func check(_ value: String) -> DivisionCheck { DivisionCode.check(value, table: table) }

    @Test func prefecture() {
        let result = check("150600")
        #expect(result.isValid)
        #expect(result.level == .city)
        #expect(result.name == "鄂尔多斯市")
        #expect(result.parentCode == "150000")
        #expect(result.jurisdictionPrefix == "1506")
        #expect(result.isCurrent == true)
    }

    @Test func province() {
        let result = check("150000")
        #expect(result.level == .province)
        #expect(result.parentCode == nil)
        #expect(result.jurisdictionPrefix == "15")
    }

    @Test func district() {
        let result = check("150603")
        #expect(result.isValid)
        #expect(result.level == .district)
        #expect(result.name == "康巴什区")
        #expect(result.parentCode == "150600")
        #expect(result.jurisdictionPrefix == "150603")
    }

    @Test func countyWithoutListedPrefectureHangsUnderProvince() {
        #expect(check("429004").parentCode == "420000")
    }

    @Test func street() {
        let result = check("150603002")
        #expect(result.isValid)
        #expect(result.notes.isEmpty)
        #expect(result.level == .street)
        #expect(result.kind == .subdistrict)
        #expect(result.name == "青春山街道")
        #expect(result.parentCode == "150603")
        #expect(result.jurisdictionPrefix == "150603002")
        #expect(result.isCurrent == nil)
    }

    @Test func community() {
        let result = check("150603002001")
        #expect(result.isValid)
        #expect(result.level == .community)
        #expect(result.kind == .residentsCommittee)
        #expect(result.name == nil)
        #expect(result.parentCode == "150603002")
        #expect(result.jurisdictionPrefix == "150603002001")
        #expect(check("150621200201").kind == .villagersCommittee)
    }

    @Test func historicalCodeIsValid() {
        let result = check("152701")
        #expect(result.isValid)
        #expect(result.isCurrent == false)
        #expect(result.name == "东胜市")
        #expect(result.parentCode == "152700")
    }

    @Test func unknownCode() {
        #expect(check("159999").issues.rules == ["division.unknown"])
        #expect(check("159999001").issues.rules == ["division.unknown"])
        #expect(check("000000").issues.rules == ["division.unknown"])
    }

    @Test(arguments: ["", "15060", "1506000", "1506030020", "15060a", "１５０６００", "150603002001001"])
    func badFormat(value: String) {
        let result = check(value)
        #expect(result.issues.rules == ["division.format"])
        #expect(result.level == nil)
    }

    @Test func paddedCodesAreTheWrongLevel() {
        #expect(check("150603000").issues.rules == ["division.level"])
        #expect(check("150603002000").issues.rules == ["division.level"])
        #expect(check("150603000000").issues.rules == ["division.level"])
        #expect(check("150000001").issues.rules == ["division.level"])
    }

    @Test func unlistedTownshipIsValidWithANote() {
        let result = check("150603101")
        #expect(result.isValid)
        #expect(result.kind == .town)
        #expect(result.name == nil)
        #expect(result.notes.rules == ["division.name_unknown"])
        #expect(check("110105001").isValid)
    }

    @Test func townshipKindsFollowTheNumberRanges() {
        #expect(DivisionKind.ofTownship(1) == .subdistrict)
        #expect(DivisionKind.ofTownship(99) == .subdistrict)
        #expect(DivisionKind.ofTownship(100) == .town)
        #expect(DivisionKind.ofTownship(200) == .township)
        #expect(DivisionKind.ofTownship(399) == .township)
        #expect(DivisionKind.ofTownship(405) == .developmentZone)
        #expect(DivisionKind.ofTownship(600) == nil)
        #expect(DivisionKind.ofVillage(199) == .residentsCommittee)
        #expect(DivisionKind.ofVillage(200) == .villagersCommittee)
        #expect(DivisionKind.ofVillage(400) == nil)
        #expect(check("150603400").kind == .developmentZone)
        #expect(check("150603400").name == "鄂尔多斯市高新技术产业园区")
    }
}

@Suite struct DivisionTableTests {
    @Test func loadsFromFiles() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("standards-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let divisions = directory.appendingPathComponent("gbt2260-divisions.tsv")
        let townships = directory.appendingPathComponent("ordos-townships.tsv")
        try Fixtures.divisionsTSV.replacingOccurrences(of: "\n", with: "\r\n").write(to: divisions, atomically: true, encoding: .utf8)
        try Fixtures.townshipsTSV.write(to: townships, atomically: true, encoding: .utf8)

        let table = try DivisionTable.load(divisionsTSV: divisions, townshipsTSV: townships)
        #expect(table == Fixtures.table)
        #expect(table.division("150603")?.name == "康巴什区")
        #expect(table.township("150603002")?.mcaCode == "150603002000")
        #expect(table.township("150603400")?.mcaCode == nil)
        #expect(table.townships(inCounty: "150603").map(\.code) == ["150603001", "150603002", "150603400"])

        let withoutTownships = try DivisionTable.load(divisionsTSV: divisions, townshipsTSV: nil)
        #expect(withoutTownships.townships.isEmpty)
        #expect(withoutTownships.divisions.count == table.divisions.count)
    }

    @Test func inMemoryRows() {
        let table = DivisionTable(divisions: [.init(code: "150603", name: "康巴什区", isCurrent: true)],
                                  townships: [.init(code: "150603002", name: "青春山街道", countyCode: "150603")])
        #expect(DivisionCode.check("150603002", table: table).name == "青春山街道")
    }

    @Test func duplicateCodesMergeAndPreferTheCurrentName() {
        let table = DivisionTable(divisions: [
            .init(code: "150602", name: "东胜市", isCurrent: false),
            .init(code: "150602", name: "东胜区", isCurrent: true),
        ])
        #expect(table.division("150602") == .init(code: "150602", name: "东胜区", isCurrent: true, otherNames: ["东胜市"]))
    }

    @Test func malformedRowsNameTheLine() {
        let badStatus = "# c\ncode\tname\tstatus\n150600\t鄂尔多斯市\tcurrent\n150603\t康巴什区\tnew\n"
        #expect(throws: StandardsDataError(source: "divisions", line: 4,
                                           reason: "status must be 'current' or 'historical', found 'new'")) {
            try DivisionTable.parse(divisionsTSV: badStatus)
        }
        #expect(throws: StandardsDataError.self) {
            try DivisionTable.parse(divisionsTSV: "code\tname\tstatus\n15060\tx\tcurrent\n")
        }
        #expect(throws: StandardsDataError.self) { try DivisionTable.parse(divisionsTSV: "code\tname\n") }
        #expect(throws: StandardsDataError.self) {
            try DivisionTable.parse(divisionsTSV: "code\tname\tstatus\n",
                                    townshipsTSV: "county_code\tcounty\ttownship\tnbs2023_9digit\n150603\tk\tq\t150602002\n")
        }
    }
}
