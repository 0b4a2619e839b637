/// Writes a one-sheet .xlsx workbook row by row, streamed into the ZIP as it goes. Text cells are
/// inline strings in the text number format (`@`), so ID numbers, codes and leading zeros stay
/// text in Excel, even when a clerk edits the cell; numbers are written only where asked for.
/// The first row is the header: bold, and frozen when the sheet scrolls.
public final class XLSXWriter {
    public enum Value: Sendable, Equatable {
        case text(String)
        /// A decimal number (`12.5`, `-3`); anything else given here is written as text.
        case number(String)
        case empty
    }

    private let sink: ByteSink
    private let zip: ZipWriter
    private var rows = 0
    private var pending: [UInt8] = []
    private var closed = false

    /// Writes to the file at `path` (created or truncated).
    public convenience init(path: String, sheetName: String, columnWidths: [Int] = []) throws {
        try self.init(sink: try ByteSink(path: path), sheetName: sheetName, columnWidths: columnWidths)
    }

    /// Writes into memory; read the workbook from `bytes` after `close()`.
    public convenience init(sheetName: String, columnWidths: [Int] = []) throws {
        try self.init(sink: ByteSink(), sheetName: sheetName, columnWidths: columnWidths)
    }

    private init(sink: ByteSink, sheetName: String, columnWidths: [Int]) throws {
        self.sink = sink
        zip = ZipWriter(sink: sink)
        let name = Self.sheetName(sheetName)
        try zip.entry("[Content_Types].xml", Self.contentTypes)
        try zip.entry("_rels/.rels", Self.rootRelationships)
        try zip.entry("xl/workbook.xml", Self.workbook(name))
        try zip.entry("xl/_rels/workbook.xml.rels", Self.workbookRelationships)
        try zip.entry("xl/styles.xml", Self.styles)
        try zip.begin("xl/worksheets/sheet1.xml")
        var head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"\(Self.main)\" xmlns:r=\"\(Self.officeRelationships)\">"
        head += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        head += "<sheetFormatPr defaultRowHeight=\"15\"/>"
        if !columnWidths.isEmpty {
            head += "<cols>"
            for (i, w) in columnWidths.enumerated() { head += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(max(4, min(w, 100)))\" customWidth=\"1\"/>" }
            head += "</cols>"
        }
        head += "<sheetData>"
        try zip.write(Array(head.utf8))
    }

    /// Everything written, for a writer made without a path (after `close()`).
    public var bytes: [UInt8] { sink.buffer }

    /// Writes the next row (the first is the header).
    public func write(_ row: [Value]) throws {
        precondition(!closed, "XLSXWriter used after close")
        rows += 1
        guard rows <= 1_048_576 else {
            throw XLSXError(.tooLarge, "超过 Excel 的 1,048,576 行上限，请分批导出", "more than Excel's 1,048,576 rows; export in parts")
        }
        let style = rows == 1 ? "2" : "1"
        pending.append(contentsOf: "<row r=\"\(rows)\">".utf8)
        for (i, value) in row.enumerated() {
            let ref = CellReference.letters(i + 1) + String(rows)
            switch value {
            case .empty:
                continue
            case .number(let n) where Self.isNumber(n):
                pending.append(contentsOf: "<c r=\"\(ref)\"><v>\(n)</v></c>".utf8)
            case .text(let t), .number(let t):
                pending.append(contentsOf: "<c r=\"\(ref)\" s=\"\(style)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">".utf8)
                Self.escape(t, into: &pending)
                pending.append(contentsOf: "</t></is></c>".utf8)
            }
        }
        pending.append(contentsOf: "</row>".utf8)
        if pending.count >= 1 << 16 {
            try zip.write(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Ends the sheet and the archive; for a file, writes its last bytes and closes it.
    public func close() throws {
        guard !closed else { return }
        closed = true
        pending.append(contentsOf: "</sheetData></worksheet>".utf8)
        try zip.write(pending)
        pending = []
        try zip.end()
        try zip.finish()
        try sink.close()
    }

    static func isNumber(_ n: String) -> Bool {
        let b = Array(n.utf8)
        guard !b.isEmpty, b.count <= 15 else { return false }
        var i = b[0] == UInt8(ascii: "-") ? 1 : 0
        var digits = 0, dot = false
        // No leading zeros (they would be lost), at most one point.
        if i < b.count - 1 && b[i] == UInt8(ascii: "0") && b[i + 1] != UInt8(ascii: ".") { return false }
        while i < b.count {
            if b[i] >= 0x30 && b[i] <= 0x39 { digits += 1 } else if b[i] == UInt8(ascii: ".") && !dot { dot = true } else { return false }
            i += 1
        }
        return digits > 0 && b.last != UInt8(ascii: ".")
    }

    /// Text for XML, with what XML 1.0 cannot hold written the way Excel does (`_xHHHH_`) and a
    /// literal `_xHHHH_` protected (`_x005F_`), so the reader gives back exactly what was written.
    static func escape(_ text: String, into out: inout [UInt8]) {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            switch s {
            case "&": out.append(contentsOf: "&amp;".utf8)
            case "<": out.append(contentsOf: "&lt;".utf8)
            case ">": out.append(contentsOf: "&gt;".utf8)
            case "_" where i + 6 < scalars.count && scalars[i + 1] == "x" && scalars[i + 6] == "_"
                && scalars[(i + 2)...(i + 5)].allSatisfy({ $0.properties.isASCIIHexDigit }):
                out.append(contentsOf: "_x005F_".utf8)
            default:
                if s == "\n" || s == "\t" || (s.value >= 0x20 && XMLPullParser.isXMLChar(s.value)) {
                    out.append(contentsOf: String(s).utf8)
                } else {
                    let hex = String(s.value, radix: 16, uppercase: true)
                    out.append(contentsOf: ("_x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "_").utf8)
                }
            }
            i += 1
        }
    }

    /// A sheet name Excel accepts: at most 31 characters, none of : \ / ? * [ ].
    static func sheetName(_ name: String) -> String {
        let cleaned = String(name.filter { !":\\/?*[]".contains($0) && !$0.isNewline }.prefix(31))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static let contentTypes = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
    """

    static let rootRelationships = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
    """

    static func workbook(_ sheet: String) -> String {
        var name: [UInt8] = []
        escape(sheet, into: &name)
        return """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="\(main)" xmlns:r="\(officeRelationships)"><bookViews><workbookView/></bookViews><sheets><sheet name="\(String(decoding: name, as: UTF8.self).replacingQuotes)" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    }

    static let workbookRelationships = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
    """

    /// Cell formats: 0 general (numbers), 1 text `@` (numFmt 49), 2 text in bold (the header).
    static let styles = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font><font><b/><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
    """
}

extension String {
    var replacingQuotes: String {
        var out = ""
        for c in self { out += c == "\"" ? "&quot;" : String(c) }
        return out
    }
}
