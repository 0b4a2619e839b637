import Foundation
import Testing
@testable import Standards

@Suite struct DivisionCodeTests {
    let table = Fixtures.table

    func check(_ value: String) -> DivisionCheck { DivisionCode.check(value, table: table) }

    @Test func shapeGivesLevelSubtreeAndParent() {
        let cases: [(String, DivisionLevel?, String, String?)] = [
            ("150000", .province, "15", nil),
            ("150600", .city, "1506", nil),
            ("150603", .district, "150603", "150600"),
            ("150603002", .street, "150603002", "150603"),
            ("150603002001", .community, "150603002001", "150603002"),
            ("1506030", nil, "1506030", nil),
            ("", nil, "", nil),
        ]
        for (code, level, prefix, parent) in cases {
            #expect(DivisionCode.level(ofShape: code) == level, "\(code)")
            #expect(DivisionCode.subtreePrefix(code) == prefix, "\(code)")
            #expect(DivisionCode.hierarchyParent(of: code) == parent, "\(code)")
        }
        #expect(DivisionCode.prefecture(of: "150603002001") == "150600")
        // The table's own check agrees with the shape for every level.
        for code in ["150000", "150600", "150603", "150603002", "150603002001"] {
            #expect(check(code).level == DivisionCode.level(ofShape: code), "\(code)")
        }
    }

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

    @Test func unlistedTownshipOutsideTheListedCountiesIsValidWithANote() {
        let result = check("110105101")
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

    @Test func townshipAndVillagePartsOutsideTheRangesAreErrors() {
        #expect(check("150602999").issues.map(\.rule) == ["division.township_range"])
        #expect(check("350100650").issues.map(\.rule) == ["division.township_range"])
        #expect(check("150603002700").issues.map(\.rule) == ["division.village_range"])
        #expect(check("150603002399").isValid)
        #expect(check("150603002400").issues.map(\.rule) == ["division.village_range"])
        #expect(check("350100001001").isValid)
    }

    @Test func townshipsOfAFullyListedCountyMustBeListed() {
        // 150603 has townships in the fixture list, so an unlisted one is wrong; 350100 has none, so
        // an unlisted one only lacks a name.
        #expect(check("150603003").issues.map(\.rule) == ["division.township_unknown"])
        #expect(check("150603003001").issues.map(\.rule) == ["division.township_unknown"])
        #expect(check("150603002001").isValid)
        let elsewhere = check("350100003")
        #expect(elsewhere.isValid)
        #expect(elsewhere.notes.map(\.rule) == ["division.name_unknown"])
    }

    @Test func codesCarryTheirYearsAndSource() {
        let old = check("152701")
        #expect(old.firstYear == 1983 && old.lastYear == 2000 && old.source == .gbt2260)
        let grouping = check("440301")
        #expect(grouping.isValid)
        #expect(grouping.source == .grouping)
        #expect(grouping.notes.map(\.rule) == ["division.grouping"])
        #expect(check("232761").source == .stats)
        #expect(check("830000").isValid)
        #expect(check("830000").level == .province)
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
        let table = DivisionTable(divisions: [.init(code: "150603", name: "康巴什区", firstYear: 2016, lastYear: nil)],
                                  townships: [.init(code: "150603002", name: "青春山街道", countyCode: "150603")])
        #expect(DivisionCode.check("150603002", table: table).name == "青春山街道")
    }

    @Test func duplicateCodesMergeAndPreferTheCurrentName() {
        let table = DivisionTable(divisions: [
            .init(code: "150602", name: "东胜市", firstYear: 1990, lastYear: 2000),
            .init(code: "150602", name: "东胜区", firstYear: 2001, lastYear: nil),
        ])
        #expect(table.division("150602") == .init(code: "150602", name: "东胜区", firstYear: 1990, lastYear: nil,
                                                  otherNames: ["东胜市"]))
    }

    @Test func malformedRowsNameTheLine() {
        let header = "code\tname\tfirst_year\tlast_year\tsource\n"
        let badSource = "# c\n" + header + "150600\t鄂尔多斯市\t2001\t\tgbt2260\n150603\t康巴什区\t2016\t\tnew\n"
        #expect(throws: StandardsDataError(source: "divisions", line: 4,
                                           reason: "source must be one of gbt2260, stats, grouping, permit, found 'new'")) {
            try DivisionTable.parse(divisionsTSV: badSource)
        }
        #expect(throws: StandardsDataError(source: "divisions", line: 2,
                                           reason: "last_year must be empty (current) or a year not before 2001, found '1999'")) {
            try DivisionTable.parse(divisionsTSV: header + "150600\t鄂尔多斯市\t2001\t1999\tgbt2260\n")
        }
        #expect(throws: StandardsDataError.self) {
            try DivisionTable.parse(divisionsTSV: header + "15060\tx\t2001\t\tgbt2260\n")
        }
        #expect(throws: StandardsDataError.self) { try DivisionTable.parse(divisionsTSV: "code\tname\n") }
        #expect(throws: StandardsDataError.self) {
            try DivisionTable.parse(divisionsTSV: "code\tname\tfirst_year\tlast_year\tsource\n",
                                    townshipsTSV: "county_code\tcounty\ttownship\tnbs2023_9digit\n150603\tk\tq\t150602002\n")
        }
    }
}
