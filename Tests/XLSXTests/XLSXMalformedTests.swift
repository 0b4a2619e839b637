import Foundation
import Testing
@testable import XLSX

/// Damaged and hostile workbooks: each is refused with its own kind of error, after a bounded
/// amount of work, and none crashes the reader.
@Suite struct XLSXMalformedTests {
    static let plainSheet = Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>"#)

    func kind(_ bytes: [UInt8], limits: XLSXLimits = XLSXLimits()) -> XLSXError.Kind? {
        do { _ = try Workbook.rows(bytes, limits: limits); return nil } catch let e as XLSXError { return e.kind } catch { return nil }
    }

    @Test func notAZipAtAll() {
        #expect(kind([]) == .notZip)
        #expect(kind(Array("公民身份号码,姓名\n1,2\n".utf8)) == .notZip)
        // An old .xls (OLE2 compound file) starts D0 CF 11 E0.
        #expect(kind([0xD0, 0xCF, 0x11, 0xE0] + [UInt8](repeating: 0, count: 600)) == .notZip)
    }

    @Test func truncatedArchives() throws {
        let good = try Workbook.make(sheet: Self.plainSheet)
        #expect(kind(good) == nil)
        for cut in [good.count - 1, good.count - 30, good.count / 2, 100] {
            #expect(kind(Array(good.prefix(cut))) != nil, "cut at \(cut)")
        }
    }

    @Test func badCentralDirectory() throws {
        let good = try Workbook.make(sheet: Self.plainSheet)
        let eocd = try #require(Workbook.offsets(of: 0x0605_4B50, in: good).last)
        // The directory's offset beyond the file.
        var b = good
        Workbook.put32(good.count + 10, at: eocd + 16, in: &b)
        #expect(kind(b) == .badArchive)
        // Its size larger than the room before the end record.
        b = good
        Workbook.put32(good.count, at: eocd + 12, in: &b)
        #expect(kind(b) == .badArchive)
        // An entry whose local header offset points at garbage.
        b = good
        let first = try #require(Workbook.offsets(of: 0x0201_4B50, in: good).first)
        Workbook.put32(3, at: first + 42, in: &b)
        #expect(kind(b) == .badArchive)
        // An entry header signature damaged.
        b = good
        b[first] = 0
        #expect(kind(b) == .badArchive)
        // ZIP64 markers.
        b = good
        b[eocd + 10] = 0xFF; b[eocd + 11] = 0xFF; b[eocd + 8] = 0xFF; b[eocd + 9] = 0xFF
        #expect(kind(b) == .notZip)
        // Encrypted entries.
        b = good
        b[first + 8] |= 1
        #expect(kind(b) == .notZip)
        // An unsupported compression method (bzip2, 12).
        b = good
        let sheetEntry = try #require(Workbook.offsets(of: 0x0201_4B50, in: good).first { String(decoding: good[($0 + 46)..<($0 + 46 + 24)], as: UTF8.self) == "xl/worksheets/sheet1.xml" })
        b[sheetEntry + 10] = 12
        #expect(kind(b) == .notZip)
    }

    @Test func duplicateEntriesAreRefused() throws {
        let b = try Workbook.make(sheet: Self.plainSheet, extra: [("xl/worksheets/sheet1.xml", Array(Self.plainSheet.utf8))])
        #expect(kind(b) == .badArchive)
    }

    @Test func zipBombThatUnderstatesItsSize() throws {
        // 64 MiB of spaces inside the sheet deflate to about 64 KiB; the directory claims 4 KiB.
        let filler = [UInt8](repeating: 0x20, count: 64 << 20)
        let sheet = Array(Workbook.sheet("").utf8)
        let sink = ByteSink()
        let zip = ZipWriter(sink: sink)
        try zip.entry("xl/workbook.xml", Workbook.workbook)
        try zip.entry("xl/_rels/workbook.xml.rels", Workbook.rels(sharedStrings: false))
        try zip.begin("xl/worksheets/sheet1.xml")
        try zip.write(Array(sheet.prefix(60)))
        try zip.write(filler)
        try zip.write(Array(sheet.dropFirst(60)))
        try zip.end()
        try zip.finish()
        var b = sink.buffer
        #expect(b.count < 1 << 20)
        let entry = try #require(Workbook.offsets(of: 0x0201_4B50, in: b).first { String(decoding: b[($0 + 46)..<($0 + 46 + 24)], as: UTF8.self) == "xl/worksheets/sheet1.xml" })
        Workbook.put32(4096, at: entry + 24, in: &b)
        do {
            _ = try Workbook.rows(b)
            Issue.record("the bomb was read")
        } catch let e as XLSXError {
            #expect(e.kind == .tooLarge)
            #expect(e.chinese.contains("ZIP 炸弹"))
        }
        // Stated honestly, it is refused before inflating once above the sheet limit.
        b = sink.buffer
        var limits = XLSXLimits()
        limits.maxSheetBytes = 1 << 20
        #expect(kind(b, limits: limits) == .tooLarge)
    }

    @Test func sizeOrChecksumThatDisagrees() throws {
        let good = try Workbook.make(sheet: Self.plainSheet)
        let entry = try #require(Workbook.offsets(of: 0x0201_4B50, in: good).first { String(decoding: good[($0 + 46)..<($0 + 46 + 24)], as: UTF8.self) == "xl/worksheets/sheet1.xml" })
        var b = good
        b[entry + 16] ^= 0xFF
        #expect(kind(b) == .corrupt)
        b = good
        let size = Int(good[entry + 24]) | Int(good[entry + 25]) << 8
        Workbook.put32(size + 100, at: entry + 24, in: &b)
        #expect(kind(b) == .corrupt)
    }

    @Test func sharedStringOutOfRange() throws {
        let sheet = Workbook.sheet(#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>5</v></c></row>"#)
        do {
            _ = try Workbook.rows(try Workbook.make(sheet: sheet, sharedStrings: Workbook.sst(["a", "b"])))
            Issue.record("read")
        } catch let e as XLSXError {
            #expect(e.kind == .badCell)
            #expect(e.row == 1)
            #expect(e.chinese.contains("超出范围"))
        }
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="1"><c r="A1" t="s"><v>-1</v></c></row>"#), sharedStrings: Workbook.sst(["a"]))) == .badCell)
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#))) == .badCell)
        var limits = XLSXLimits()
        limits.maxSharedStrings = 2
        #expect(kind(try Workbook.make(sheet: Self.plainSheet, sharedStrings: Workbook.sst(["a", "b", "c"])), limits: limits) == .tooLarge)
    }

    @Test func hugeDimensionsCostNothingAndFarCellsAreRefused() throws {
        // A dimension claiming every cell of the sheet is ignored: only cells present are read.
        let b = try Workbook.make(sheet: Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="1048576"><c r="B1048576"><v>1</v></c></row>"#, dimension: "A1:XFD1048576"))
        let rows = try Workbook.rows(b)
        #expect(rows.map(\.0) == [1, 1_048_576])
        #expect(rows[1].1 == ["", "1"])
        // A cell at XFD (16,384 columns) would make every row that wide: refused.
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="1"><c r="XFD1"><v>1</v></c></row>"#))) == .badCell)
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="1048577"><c><v>1</v></c></row>"#))) == .badCell)
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="2"><c r="A1"><v>1</v></c></row>"#))) == .badCell)
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="2"/><row r="1"/>"#))) == .badCell)
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>1</v></c></row>"#))) == .badCell)
        #expect(kind(try Workbook.make(sheet: Workbook.sheet(#"<row r="1"><c r="A1"><v>1e</v></c></row>"#))) == .badCell)
    }

    @Test func hostileXML() throws {
        let bomb = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>"#
        #expect(kind(try Workbook.make(sheet: bomb)) == .badXML)
        for sheet in [
            Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>&unknown;</t></is></c></row>"#),
            Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row>"#),
            Workbook.sheet(#"<row r="1"><c r="A1"></row>"#),
            "<worksheet><sheetData>",
            #"<worksheet a="1" a="2"><sheetData/></worksheet>"#,
            "<worksheet><sheetData/></worksheet><second/>",
            "<worksheet>" + String(repeating: "<x>", count: 100) + String(repeating: "</x>", count: 100) + "</worksheet>",
        ] {
            #expect(kind(try Workbook.make(sheet: sheet)) == .badXML, "\(sheet.prefix(80))")
        }
        // Invalid UTF-8 inside text.
        var bytes = Array(Workbook.sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>AB</t></is></c></row>"#).utf8)
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "B")))
        bytes[at] = 0xFF
        let sink = ByteSink()
        let zip = ZipWriter(sink: sink)
        try zip.entry("xl/workbook.xml", Workbook.workbook)
        try zip.entry("xl/_rels/workbook.xml.rels", Workbook.rels(sharedStrings: false))
        try zip.begin("xl/worksheets/sheet1.xml"); try zip.write(bytes); try zip.end()
        try zip.finish()
        #expect(kind(sink.buffer) == .badXML)
    }

    @Test func missingParts() throws {
        let sink = ByteSink()
        let zip = ZipWriter(sink: sink)
        try zip.entry("hello.txt", "not a workbook")
        try zip.finish()
        #expect(kind(sink.buffer) == .missingPart)
        let noSheet = try Workbook.make(sheet: Self.plainSheet)
        // Rename the sheet entry in both headers: the workbook points at nothing.
        var b = noSheet
        for o in Workbook.offsets(of: 0x0201_4B50, in: b) where String(decoding: b[(o + 46)..<(o + 70)], as: UTF8.self) == "xl/worksheets/sheet1.xml" { b[o + 46 + 12] = UInt8(ascii: "S") }
        for o in Workbook.offsets(of: 0x0403_4B50, in: b) where String(decoding: b[(o + 30)..<(o + 54)], as: UTF8.self) == "xl/worksheets/sheet1.xml" { b[o + 30 + 12] = UInt8(ascii: "S") }
        #expect(kind(b) == .missingPart)
    }

    @Test func randomDamageNeverCrashes() throws {
        let good = try Workbook.make(sheet: Workbook.sheet((1...50).map { #"<row r="\#($0)"><c r="A\#($0)" t="s"><v>\#($0 % 3)</v></c><c r="B\#($0)"><v>\#($0)</v></c></row>"# }.joined()),
                                     sharedStrings: Workbook.sst(["a", "b", "c"]))
        var state: UInt64 = 0x5EED
        print("XLSXMalformedTests.randomDamageNeverCrashes seed \(state)")
        for _ in 0..<400 {
            var b = good
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let i = Int(state >> 33) % b.count
                b[i] = UInt8(truncatingIfNeeded: state >> 20)
            }
            _ = kind(b)
        }
    }
}
