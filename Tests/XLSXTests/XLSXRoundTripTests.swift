import Foundation
import Testing
import TestSupport
@testable import XLSX

@Suite struct XLSXRoundTripTests {
    @Test func textNumbersAndEscapesComeBackAsWritten() throws {
        let w = try XLSXWriter(sheetName: "人口/表[1]", columnWidths: [20, 10])
        let rows: [[XLSXWriter.Value]] = [
            [.text("公民身份号码"), .text("姓名"), .text("人数")],
            [.text("150603198001010018"), .text("张三"), .number("3")],
            [.text("000123"), .text("a & b <c> \"d\" 'e'"), .number("12.50")],
            [.text("_x0041_ stays"), .text("两行\n文字\t制表"), .number("007")],
            [.empty, .text("控制\u{1}字符"), .text("   空格  ")],
            [.text("𠀀 emoji 😀"), .empty, .empty],
        ]
        for r in rows { try w.write(r) }
        try w.close()
        let reader = try XLSXReader(bytes: w.bytes)
        #expect(reader.sheetName == "人口表1")
        var got: [[XLSXCell]] = []
        var numbers: [Int] = []
        while let row = try reader.nextRow() { got.append(row); numbers.append(reader.rowNumber) }
        #expect(numbers == [1, 2, 3, 4, 5, 6])
        #expect(got[1].map(\.text) == ["150603198001010018", "张三", "3"])
        #expect(got[1][0].kind == .text)
        #expect(got[1][2].kind == .number)
        #expect(got[2].map(\.text) == ["000123", "a & b <c> \"d\" 'e'", "12.50"])
        // "007" would lose its zeros as a number: it is written as text.
        #expect(got[3].map(\.text) == ["_x0041_ stays", "两行\n文字\t制表", "007"])
        #expect(got[3][2].kind == .text)
        #expect(got[4].map(\.text) == ["", "控制\u{1}字符", "   空格  "])
        #expect(got[5].map(\.text) == ["𠀀 emoji 😀"])
    }

    @Test func manyRowsStreamThroughAFile() throws {
        let seed = TestSeed.value(default: 20_261_122)
        print("XLSXRoundTripTests.manyRowsStreamThroughAFile seed \(seed)")
        var rng = SplitMix64(seed: seed)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(getpid())-\(seed)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big.xlsx").path
        let w = try XLSXWriter(path: path, sheetName: "data")
        var expected: [[String]] = []
        let alphabet = Array("0123456789abc张三李四&<>_x\n ")
        for i in 0..<5_000 {
            let cells = (0..<4).map { _ in String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }) }
            let row = [String(i)] + cells
            expected.append(row)
            try w.write(row.map { XLSXWriter.Value.text($0) })
        }
        try w.close()
        let r = try XLSXReader(path: path)
        var i = 0
        while let row = try r.nextRow() {
            var want = expected[i]
            while want.last == "" { want.removeLast() }
            #expect(row.map(\.text) == want, "row \(i + 1)")
            i += 1
        }
        #expect(i == expected.count)
    }

    @Test func sharedStringsRichTextAndPhoneticRuns() throws {
        let sst = "<sst xmlns=\"\(Workbook.main)\"><si><t>plain</t></si><si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space=\"preserve\"> 文本</t></r><rPh sb=\"0\" eb=\"1\"><t>fu</t></rPh></si><si><t>line_x000D__x000A_break</t></si><si/></sst>"
        let sheet = Workbook.sheet(#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>0</v></c></row>"#)
        let rows = try Workbook.rows(try Workbook.make(sheet: sheet, sharedStrings: sst))
        #expect(rows.count == 1)
        #expect(rows[0].1 == ["plain", "富 文本", "line\r\nbreak", "", "plain"])
    }

    @Test func datesFollowTheirStyles() throws {
        let styles = "<styleSheet xmlns=\"\(Workbook.main)\"><numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/><numFmt numFmtId=\"165\" formatCode=\"[Red]0.00\"/></numFmts><cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs></styleSheet>"
        let sheet = Workbook.sheet(#"<row r="1"><c r="A1" s="1"><v>36526</v></c><c r="B1" s="2"><v>29221.5</v></c><c r="C1" s="3"><v>36526</v></c><c r="D1"><v>36526</v></c><c r="E1" s="1"><v>59</v></c><c r="F1" t="d"><v>2000-01-02T00:00:00</v></c></row>"#)
        let r = try XLSXReader(bytes: try Workbook.make(sheet: sheet, styles: styles))
        let row = try #require(try r.nextRow())
        #expect(row.map(\.text) == ["2000-01-01", "1980-01-01 12:00:00", "36526", "36526", "1900-02-28", "2000-01-02"])
        #expect(row.map(\.kind) == [.date, .date, .number, .number, .date, .date])
    }

    @Test func openpyxlWorkbook() throws {
        let r = try XLSXReader(path: Workbook.fixture("openpyxl-person.xlsx"))
        #expect(r.sheetName == "人口")
        var rows: [[XLSXCell]] = []
        var numbers: [Int] = []
        while let row = try r.nextRow() { rows.append(row); numbers.append(r.rowNumber) }
        #expect(numbers == [1, 2, 3, 4, 6, 7])
        #expect(rows[0].map(\.text) == ["公民身份号码", "姓名", "性别", "出生日期", "联系电话", "居住人数", "备注"])
        #expect(rows[1].map(\.text) == ["150603198001010018", "张三", "男", "1980-01-01", "13912345678", "3", "a & b < c"])
        // The ID Excel's number formatting rounded: a number, as the file spells it.
        #expect(rows[2][0] == XLSXCell(.number, "1.5060319800101e+17"))
        #expect(rows[2].map(\.text).dropFirst() == ["李四", "女", "2000/1/1", "13912345679", "2.5"])
        #expect(rows[3].map(\.text) == ["15060319800101002X", "王五", "1", "2000年1月1日", "", "", "第一行\n第二行"])
        #expect(rows[4].map(\.text) == ["000123", "", "", "", "", "", "A literal"])
        #expect(rows[5] == [.empty, XLSXCell(.boolean, "1"), XLSXCell(.date, "2026-03-04 05:06:07"), XLSXCell(.date, "2023-03-15")])
    }

    @Test func theFirstVisibleSheetIsRead() throws {
        let r = try XLSXReader(path: Workbook.fixture("openpyxl-hidden-first.xlsx"))
        #expect(r.sheetName == "数据")
        #expect(try r.nextRow()?.map(\.text) == ["name"])
        #expect(try r.nextRow()?.map(\.text) == ["visible"])
        #expect(try r.nextRow() == nil)
    }

    @Test func excelDatesAndColumnLetters() {
        #expect(ExcelDate.text(serial: "1", date1904: false) == "1900-01-01")
        #expect(ExcelDate.text(serial: "61", date1904: false) == "1900-03-01")
        #expect(ExcelDate.text(serial: "60", date1904: false) == nil)
        #expect(ExcelDate.text(serial: "0", date1904: true) == "1904-01-01")
        #expect(ExcelDate.text(serial: "45292", date1904: false) == "2024-01-01")
        #expect(CellReference.letters(1) == "A" && CellReference.letters(26) == "Z" && CellReference.letters(27) == "AA" && CellReference.letters(16384) == "XFD")
        #expect(CellReference.parse("XFD1048576")! == (16384, 1_048_576))
        #expect(CellReference.parse("XFE1") == nil && CellReference.parse("A0") == nil && CellReference.parse("1A") == nil && CellReference.parse("a1") == nil)
    }
}
