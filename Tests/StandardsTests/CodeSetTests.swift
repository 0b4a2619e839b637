import Testing
@testable import Standards

@Suite struct CodeSetTests {
    @Test func bundledSetsLoad() throws {
        let sets = try CodeSets.loadBundled()
        #expect(sets.all.map(\.id) == ["GB/T 2261.1", "GB/T 2261.2", "GB/T 3304", "GB/T 4761", "GB/T 4762"])
        #expect(sets["GB/T 2261.1-2003"]?.title == "人的性别代码")
        #expect(sets["GB/T 9999"] == nil)
    }

    @Test func knownEntries() {
        #expect(CodeSets.sex.name(forCode: "1") == "男性")
        #expect(CodeSets.sex.name(forCode: "2") == "女性")
        #expect(CodeSets.sex.designation == "GB/T 2261.1-2003")
        #expect(CodeSets.ethnic.name(forCode: "02") == "蒙古族")
        #expect(CodeSets.ethnic.entry(code: "02")?.attributes["letters"] == "MG")
        #expect(CodeSets.ethnic.entry(code: "97")?.attributes.isEmpty == true)
        #expect(CodeSets.ethnic.code(forName: "汉族") == "01")
        #expect(CodeSets.ethnic.entries.count == 58)
        #expect(CodeSets.marital.name(forCode: "20") == "已婚")
        #expect(CodeSets.relation.name(forCode: "01") == "本人")
        #expect(CodeSets.relation.name(forCode: "02") == "户主")
        #expect(CodeSets.political.name(forCode: "13") == "群众")
    }

    @Test func checkAcceptsCodesAndEmpty() {
        #expect(CodeSets.sex.check("1", field: "xb").isEmpty)
        #expect(CodeSets.sex.check("", field: "xb").isEmpty)
    }

    @Test func unknownCodeListsValidOnes() {
        let issues = CodeSets.sex.check("3", field: "xb")
        #expect(issues.rules == ["codeset.unknown_code"])
        #expect(issues[0].field == "xb")
        #expect(issues[0].messageZh.contains("1 男性"))
        #expect(issues[0].messageEn.contains("GB/T 2261.1-2003"))
    }

    @Test func hintsForNamesAndMissingZeros() {
        #expect(CodeSets.sex.check("男性", field: "xb")[0].messageZh.contains("代码 1"))
        #expect(CodeSets.ethnic.check("2", field: "mz")[0].messageZh.contains("02（蒙古族）"))
    }

    @Test func parseErrors() {
        #expect(throws: StandardsDataError.self) { try CodeSet.parse("code\tname\n1\ta\n", source: "x") }
        #expect(throws: StandardsDataError.self) { try CodeSet.parse("# GB/T 1-2000 t\ncode\tname\n1\ta\n1\tb\n", source: "x") }
        #expect(throws: StandardsDataError.self) { try CodeSet.parse("# GB/T 1-2000 t\ncode\tname\n", source: "x") }
        let set = try? CodeSet.parse("# GB 1234-1999 测试 代码\ncode\tname\n1\ta\n", source: "x")
        #expect(set?.id == "GB 1234")
        #expect(set?.title == "测试 代码")
    }
}
