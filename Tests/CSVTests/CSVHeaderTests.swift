import CSV
import Testing

@Suite struct CSVHeaderTests {
    @Test func mapsTrimmedNamesToIndexes() throws {
        let h = try CSVHeader([" 姓名", "身份证号\u{3000}", "", "\t住址 "])
        #expect(h.names == ["姓名", "身份证号", "", "住址"])
        #expect(h["姓名"] == 0)
        #expect(h.index(of: "身份证号") == 1)
        #expect(h.index(of: " 住址") == 3)
        #expect(h["电话"] == nil)
        #expect(h.value("住址", in: ["张三", "1", "", "北京"]) == "北京")
        #expect(h.value("住址", in: ["张三"]) == nil)
    }

    @Test func duplicatesAreAnError() {
        #expect {
            _ = try CSVHeader(["姓名", "身份证号", " 姓名 "], line: 3)
        } throws: { error in
            guard let e = error as? CSVError else { return false }
            return e.kind == .duplicateColumn && e.line == 3 && e.chinese.contains("姓名")
                && e.english.contains("columns 1 and 3")
        }
    }

    @Test func emptyNamesMayRepeat() throws {
        let h = try CSVHeader(["a", "", "", "b"])
        #expect(h["b"] == 3)
    }

    @Test func requireNamesEveryMissingColumn() throws {
        let h = try CSVHeader(["姓名"])
        try h.require(["姓名"])
        #expect {
            try h.require(["姓名", "身份证号", "电话"])
        } throws: { error in
            guard let e = error as? CSVError else { return false }
            return e.kind == .missingColumn && e.chinese.contains("身份证号、电话")
        }
    }

    @Test func fromAReader() throws {
        let r = try CSVReader(bytes: [0xEF, 0xBB, 0xBF] + Array("\n姓名 ,年龄\n张三,30\n".utf8))
        let h = try CSVHeader(try #require(try r.nextRecord()), line: r.recordLine)
        #expect(h.line == 2)
        let row = try #require(try r.nextRecord())
        #expect(h.value("姓名", in: row) == "张三")
    }
}
