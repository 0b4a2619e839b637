import Foundation
@testable import XLSX

/// Builds workbooks part by part (through the module's own ZIP writer), so tests can hand the
/// reader exactly the XML, or the damage, they mean.
enum Workbook {
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    static func rels(sharedStrings: Bool = true, styles: Bool = false) -> String {
        var s = #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#
        if sharedStrings { s += #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"# }
        if styles { s += #"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/>"# }
        return s + "</Relationships>"
    }

    static let workbook = #"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>"#

    static func sheet(_ rows: String, dimension: String = "A1:C3") -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="\#(main)"><dimension ref="\#(dimension)"/><sheetData>\#(rows)</sheetData></worksheet>"#
    }

    static func sst(_ strings: [String]) -> String {
        "<sst xmlns=\"\(main)\" count=\"\(strings.count)\">" + strings.map { "<si><t>\($0)</t></si>" }.joined() + "</sst>"
    }

    /// A workbook of the given parts (name → XML text), deflated.
    static func make(sheet: String, sharedStrings: String? = nil, styles: String? = nil, extra: [(String, [UInt8])] = []) throws -> [UInt8] {
        let sink = ByteSink()
        let zip = ZipWriter(sink: sink)
        try zip.entry("xl/workbook.xml", workbook)
        try zip.entry("xl/_rels/workbook.xml.rels", rels(sharedStrings: sharedStrings != nil, styles: styles != nil))
        try zip.entry("xl/worksheets/sheet1.xml", sheet)
        if let sharedStrings { try zip.entry("xl/sharedStrings.xml", sharedStrings) }
        if let styles { try zip.entry("xl/styles.xml", styles) }
        for (name, bytes) in extra {
            try zip.begin(name)
            try zip.write(bytes)
            try zip.end()
        }
        try zip.finish()
        try sink.close()
        return sink.buffer
    }

    static func rows(_ bytes: [UInt8], limits: XLSXLimits = XLSXLimits()) throws -> [(Int, [String])] {
        let r = try XLSXReader(bytes: bytes, limits: limits)
        var out: [(Int, [String])] = []
        while let row = try r.nextRow() { out.append((r.rowNumber, row.map(\.text))) }
        return out
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/xlsx/\(name)").path
    }

    /// Offsets of every ZIP structure with `signature` in `bytes`.
    static func offsets(of signature: UInt32, in bytes: [UInt8]) -> [Int] {
        let s = [UInt8(signature & 0xFF), UInt8(signature >> 8 & 0xFF), UInt8(signature >> 16 & 0xFF), UInt8(signature >> 24)]
        return (0..<(bytes.count - 3)).filter { Array(bytes[$0..<($0 + 4)]) == s }
    }

    static func put32(_ v: Int, at: Int, in bytes: inout [UInt8]) {
        for i in 0..<4 { bytes[at + i] = UInt8(v >> (8 * i) & 0xFF) }
    }
}
