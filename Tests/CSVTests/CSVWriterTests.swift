import CSV
import Foundation
import Testing

@Suite struct CSVWriterTests {
    private func written(_ rows: [[String]], bom: Bool = false, neutralize: Bool = false) throws -> String {
        let w = CSVWriter(bom: bom, neutralizeFormulas: neutralize)
        for r in rows { try w.write(r) }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func quotesOnlyWhenNeeded() throws {
        let out = try written([
            ["张三", "11010519491231002X", "-12.5", ""],
            ["a,b", "say \"hi\"", "two\nlines", "cr\rx"],
            [" lead", "trail ", "in side", "\ttab"],
        ])
        #expect(out == "张三,11010519491231002X,-12.5,\r\n"
            + "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\"\r\n"
            + "\" lead\",\"trail \",in side,\"\ttab\"\r\n")
    }

    @Test func loneEmptyFieldIsQuotedSoItIsNotABlankLine() throws {
        #expect(try written([[""], ["", ""]]) == "\"\"\r\n,\r\n")
        #expect(try records(try written([[""], ["", ""]])) == [[""], ["", ""]])
        #expect(try written([[]]) == "")
    }

    @Test func bomForFilesByDefault() throws {
        let path = temporaryPath("bom.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try CSVWriter(path: path)
        try w.write(["姓名"])
        try w.close()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes == [0xEF, 0xBB, 0xBF] + Array("姓名\r\n".utf8))
        #expect(throws: CSVError.self) { try w.write(["late"]) }

        let noBOM = CSVWriter(bom: false)
        try noBOM.write(["x"])
        #expect(noBOM.bytes == Array("x\r\n".utf8))
        let memoryBOM = CSVWriter(bom: true)
        try memoryBOM.write(["x"])
        #expect(memoryBOM.bytes == [0xEF, 0xBB, 0xBF, 0x78, 0x0D, 0x0A])
    }

    @Test func leadingBOMCharacterIsQuotedToSurvive() throws {
        let out = CSVWriter(bom: false)
        try out.write(["\u{FEFF}x", "y"])
        #expect(try CSVReader(bytes: out.bytes).readAll() == [["\u{FEFF}x", "y"]])
    }

    @Test func formulasAreLeftAloneByDefault() throws {
        #expect(try written([["=1+1", "@SUM(A1)", "-2+3"]]) == "=1+1,@SUM(A1),-2+3\r\n")
    }

    @Test func neutralizeFormulas() throws {
        let input = ["=HYPERLINK(\"http://x\",\"点我\")", "@SUM(A1)", "+cmd", "-cmd|' /C calc'!A0", "-2+3+cmd|x",
                     "-12.5", "+86", "-1,234", "-5%", "1e5", "-1.5E-3", "-", "+", "普通文本", "a=b", "",
                     "'=already"]
        let out = try written([input], neutralize: true)
        let back = try #require(try records(out).first)
        #expect(back == ["'=HYPERLINK(\"http://x\",\"点我\")", "'@SUM(A1)", "'+cmd", "'-cmd|' /C calc'!A0",
                         "'-2+3+cmd|x", "-12.5", "+86", "-1,234", "-5%", "1e5", "-1.5E-3", "-", "+", "普通文本",
                         "a=b", "", "'=already"])
    }

    @Test func looksLikeFormula() {
        #expect(CSVWriter.looksLikeFormula("=A1"))
        #expect(CSVWriter.looksLikeFormula("-A1"))
        #expect(CSVWriter.looksLikeFormula("+1-"))
        #expect(!CSVWriter.looksLikeFormula("-0.5"))
        #expect(!CSVWriter.looksLikeFormula("-.5"))
        #expect(!CSVWriter.looksLikeFormula("+1,000.25"))
        #expect(!CSVWriter.looksLikeFormula("11010519491231002X"))
    }

    @Test func largeOutputThroughADescriptorIsFlushedInBlocks() throws {
        let path = temporaryPath("big.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try CSVWriter(path: path, bom: false)
        let row = [String(repeating: "字", count: 1000), "x"]
        for _ in 0..<100 { try w.write(row) }
        try w.close()
        let r = try CSVReader(path: path)
        var n = 0
        while let rec = try r.nextRecord() {
            #expect(rec == row)
            n += 1
        }
        #expect(n == 100)
    }

    @Test func unwritablePathIsAnIOError() {
        #expect {
            _ = try CSVWriter(path: "/nonexistent/dir/out.csv")
        } throws: { ($0 as? CSVError)?.kind == .io }
    }
}
