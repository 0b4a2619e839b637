/// Reads the first visible sheet of an .xlsx workbook row by row, as Excel, WPS, LibreOffice and
/// openpyxl write it: the ZIP is read strictly (`ZipReader`), the XML with a strict pull parser,
/// the shared strings and styles once, and the sheet streamed, so memory is bounded by the shared
/// strings and one row whatever the sheet's length or its declared dimension.
public final class XLSXReader {
    public let limits: XLSXLimits
    /// The name of the sheet read.
    public let sheetName: String
    /// The row number (as Excel shows it) of the row `nextRow` returned last.
    public private(set) var rowNumber = 0

    private let zip: ZipReader
    private let sharedStrings: [String]
    /// Cell format indexes (`s`) whose number format shows dates.
    private let dateStyles: Set<Int>
    private let date1904: Bool
    private let parser: XMLPullParser
    private let sheetStream: ZipEntryStream
    private var inSheetData = false
    private var done = false

    public convenience init(path: String, limits: XLSXLimits = XLSXLimits()) throws {
        try self.init(input: try ArchiveInput(path: path), limits: limits)
    }

    public convenience init(bytes: [UInt8], limits: XLSXLimits = XLSXLimits()) throws {
        try self.init(input: ArchiveInput(bytes: bytes), limits: limits)
    }

    init(input: ArchiveInput, limits: XLSXLimits) throws {
        self.limits = limits
        zip = try ZipReader(input, limits: limits)

        // _rels/.rels names the workbook part; xl/workbook.xml when a writer left it out.
        var workbookPath = "xl/workbook.xml"
        if let rels = try zip.bytes("_rels/.rels", limit: limits.maxPartBytes) {
            let found = try Self.relationships(rels, part: "_rels/.rels", base: "", limits: limits)
            if let target = found.first(where: { $0.type.hasSuffix("/officeDocument") })?.target { workbookPath = target }
        }
        guard let workbook = try zip.bytes(workbookPath, limit: limits.maxPartBytes) else {
            throw XLSXError(.missingPart, "不是 Excel 工作簿：缺少 \(workbookPath)", "not an Excel workbook: \(workbookPath) is missing")
        }
        let (sheet, is1904) = try Self.firstSheet(workbook, part: workbookPath, limits: limits)
        sheetName = sheet.name
        date1904 = is1904
        let slash = workbookPath.lastIndex(of: "/").map { String(workbookPath[...$0]) } ?? ""
        let relsPath = slash + "_rels/" + workbookPath.dropFirst(slash.count) + ".rels"
        guard let relsBytes = try zip.bytes(relsPath, limit: limits.maxPartBytes) else {
            throw XLSXError(.missingPart, "工作簿已损坏：缺少 \(relsPath)", "damaged workbook: \(relsPath) is missing")
        }
        let rels = try Self.relationships(relsBytes, part: relsPath, base: slash, limits: limits)
        guard let sheetPath = rels.first(where: { $0.id == sheet.relationship })?.target else {
            throw XLSXError(.missingPart, "工作簿已损坏：找不到工作表“\(sheet.name)”", "damaged workbook: sheet \(sheet.name) has no part")
        }
        if let path = rels.first(where: { $0.type.hasSuffix("/sharedStrings") })?.target,
           let stream = try zip.open(path, limit: limits.maxSharedStringsBytes) {
            sharedStrings = try Self.sharedStrings(stream, part: path, limits: limits)
        } else {
            sharedStrings = []
        }
        if let path = rels.first(where: { $0.type.hasSuffix("/styles") })?.target,
           let styles = try zip.bytes(path, limit: limits.maxPartBytes) {
            dateStyles = try Self.dateStyles(styles, part: path, limits: limits)
        } else {
            dateStyles = []
        }
        guard let stream = try zip.open(sheetPath, limit: limits.maxSheetBytes) else {
            throw XLSXError(.missingPart, "工作簿已损坏：缺少 \(sheetPath)", "damaged workbook: \(sheetPath) is missing")
        }
        sheetStream = stream
        parser = XMLPullParser(part: sheetPath, limits: limits) { try stream.read(into: &$0) }
    }

    // MARK: Rows

    /// The next row that has at least one cell, its cells from column A with empty cells for the
    /// gaps; nil after the last row. `rowNumber` tells which row it was.
    public func nextRow() throws -> [XLSXCell]? {
        if done { return nil }
        while !inSheetData {
            guard let event = try parser.next() else { return try finish() }
            if case .start("sheetData", _, let selfClosing) = event {
                if selfClosing { return try finish() }
                inSheetData = true
            }
        }
        while let event = try parser.next() {
            switch event {
            case .start("row", let attributes, let selfClosing):
                let number: Int
                if let r = attributes.first(where: { $0.name == "r" })?.value {
                    guard let n = Int(r), n >= 1 else { throw cellError("行号“\(r)”无效", "invalid row number \(r)") }
                    number = n
                } else {
                    number = rowNumber + 1
                }
                guard number > rowNumber else { throw cellError("行号 \(number) 不是递增的", "row \(number) is out of order", row: number) }
                guard number <= limits.maxRow else { throw cellError("行号 \(number) 超过 \(limits.maxRow)", "row \(number) is beyond \(limits.maxRow)", row: number) }
                rowNumber = number
                if selfClosing { continue }
                let cells = try row()
                if cells.isEmpty { continue }
                return cells
            case .end("sheetData"):
                return try finish()
            case .start(_, _, let selfClosing):
                if !selfClosing { try skipElement() }
            default:
                continue
            }
        }
        return try finish()
    }

    /// Reads the rest of the document (so the entry's CRC and size are checked) and ends.
    private func finish() throws -> [XLSXCell]? {
        done = true
        parser.capturing = false
        while try parser.next() != nil {}
        return nil
    }

    private func cellError(_ zh: String, _ en: String, row: Int? = nil) -> XLSXError {
        XLSXError(.badCell, row: row ?? rowNumber, "工作表“\(sheetName)”\(zh)", "sheet \(sheetName): \(en)")
    }

    /// The cells of the row whose start tag was just read, up to its end tag.
    private func row() throws -> [XLSXCell] {
        var cells: [XLSXCell] = []
        while let event = try parser.next() {
            switch event {
            case .start("c", let attributes, let selfClosing):
                var column = cells.count + 1
                var type = "n", style = 0
                for a in attributes {
                    switch a.name {
                    case "r":
                        guard let ref = CellReference.parse(a.value), ref.row == rowNumber else {
                            throw cellError("单元格引用“\(a.value)”无效", "invalid cell reference \(a.value)")
                        }
                        column = ref.column
                    case "t": type = a.value
                    case "s":
                        guard let s = Int(a.value), s >= 0 else { throw cellError("单元格格式“\(a.value)”无效", "invalid cell style \(a.value)") }
                        style = s
                    default: break
                    }
                }
                guard column > cells.count else {
                    throw cellError("单元格 \(CellReference.letters(column))\(rowNumber) 重复或顺序错误", "cell \(CellReference.letters(column))\(rowNumber) is repeated or out of order")
                }
                guard column <= limits.maxColumns else {
                    throw cellError("列数超过 \(limits.maxColumns)（单元格 \(CellReference.letters(column))\(rowNumber)）",
                                    "more than \(limits.maxColumns) columns (cell \(CellReference.letters(column))\(rowNumber))")
                }
                let cell = selfClosing ? XLSXCell.empty : try cellValue(type: type, style: style, column: column)
                if cell.text.isEmpty && cell.kind == .text { continue }
                while cells.count < column - 1 { cells.append(.empty) }
                cells.append(cell)
            case .end("row"):
                return cells
            case .start(_, _, let selfClosing):
                if !selfClosing { try skipElement() }
            default:
                continue
            }
        }
        throw parser.error("行未结束", "a row is not closed")
    }

    /// The value of the cell whose start tag was just read, up to its end tag.
    private func cellValue(type: String, style: Int, column: Int) throws -> XLSXCell {
        var value: String?
        var inline = ""
        var depth = 0
        var phonetic = 0
        while let event = try parser.next() {
            switch event {
            case .start(let name, _, let selfClosing):
                if selfClosing { continue }
                depth += 1
                if name == "rPh" { phonetic += 1 }
                parser.capturing = phonetic == 0 && (name == "v" || name == "t")
                if name == "v" { value = value ?? "" }
            case .text(let t):
                if parser.capturing {
                    if value != nil && depth == 1 { value! += t } else { inline += t }
                }
                guard inline.utf8.count + (value?.utf8.count ?? 0) <= limits.maxCellCharacters * 4 else {
                    throw cellError("单元格 \(CellReference.letters(column))\(rowNumber) 过长", "cell \(CellReference.letters(column))\(rowNumber) is too long")
                }
            case .end(let name):
                parser.capturing = false
                if name == "c" && depth == 0 { return try cell(type: type, style: style, value: value, inline: inline, column: column) }
                if name == "rPh" { phonetic -= 1 }
                depth -= 1
            }
        }
        throw parser.error("单元格未结束", "a cell is not closed")
    }

    private func cell(type: String, style: Int, value: String?, inline: String, column: Int) throws -> XLSXCell {
        let at = "\(CellReference.letters(column))\(rowNumber)"
        let v = value ?? ""
        switch type {
        case "s":
            guard let i = Int(v.trimmingSpaces), i >= 0 else { throw cellError("单元格 \(at) 的共享字符串序号“\(v)”无效", "cell \(at): invalid shared string index \(v)") }
            guard i < sharedStrings.count else {
                throw cellError("单元格 \(at) 的共享字符串序号 \(i) 超出范围（共 \(sharedStrings.count) 个）",
                                "cell \(at): shared string \(i) is out of range (there are \(sharedStrings.count))")
            }
            return XLSXCell(.text, sharedStrings[i])
        case "inlineStr":
            return try XLSXCell(.text, checked(Self.unescape(inline), at))
        case "str":
            return try XLSXCell(.text, checked(Self.unescape(v), at))
        case "b":
            switch v.trimmingSpaces {
            case "1", "true": return XLSXCell(.boolean, "1")
            case "0", "false": return XLSXCell(.boolean, "0")
            default: throw cellError("单元格 \(at) 的逻辑值“\(v)”无效", "cell \(at): invalid boolean \(v)")
            }
        case "e":
            return XLSXCell(.error, v)
        case "d":
            let t = v.trimmingSpaces
            let date = t.split(separator: "T").first.map(String.init) ?? t
            return XLSXCell(.date, date)
        case "n":
            let t = v.trimmingSpaces
            if t.isEmpty { return .empty }
            guard Double(t) != nil, t.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || "+-.eE".utf8.contains($0) }) else {
                throw cellError("单元格 \(at) 的数值“\(t)”无效", "cell \(at): invalid number \(t)")
            }
            if dateStyles.contains(style), let date = ExcelDate.text(serial: t, date1904: date1904) { return XLSXCell(.date, date) }
            return XLSXCell(.number, t)
        default:
            throw cellError("单元格 \(at) 的类型“\(type)”无效", "cell \(at): unknown cell type \(type)")
        }
    }

    private func checked(_ text: String, _ at: String) throws -> String {
        guard text.utf8.count <= limits.maxCellCharacters || text.count <= limits.maxCellCharacters else {
            throw cellError("单元格 \(at) 超过 \(limits.maxCellCharacters) 个字符", "cell \(at) holds more than \(limits.maxCellCharacters) characters")
        }
        return text
    }

    /// Skips the element whose start tag was just read, with everything inside it.
    private func skipElement() throws {
        parser.capturing = false
        var depth = 1
        while depth > 0, let event = try parser.next() {
            switch event {
            case .start(_, _, let selfClosing): if !selfClosing { depth += 1 }
            case .end: depth -= 1
            case .text: break
            }
        }
    }

    // MARK: Parts read once

    struct Relationship {
        let id: String
        let type: String
        let target: String
    }

    static func relationships(_ bytes: [UInt8], part: String, base: String, limits: XLSXLimits) throws -> [Relationship] {
        let p = XMLPullParser(part: part, bytes: bytes, limits: limits)
        var out: [Relationship] = []
        while let event = try p.next() {
            guard case .start("Relationship", let a, _) = event else { continue }
            func value(_ n: String) -> String? { a.first { $0.name == n }?.value }
            guard let id = value("Id"), let type = value("Type"), let target = value("Target") else { continue }
            if value("TargetMode") == "External" { continue }
            out.append(Relationship(id: id, type: type, target: resolve(target, base: base)))
        }
        return out
    }

    /// A relationship target as a path inside the archive: absolute (`/xl/…`) or relative to `base`.
    static func resolve(_ target: String, base: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for p in target.split(separator: "/") {
            if p == ".." { _ = parts.popLast() } else if p != "." { parts.append(p) }
        }
        return parts.joined(separator: "/")
    }

    struct SheetRef {
        let name: String
        let relationship: String
    }

    static func firstSheet(_ bytes: [UInt8], part: String, limits: XLSXLimits) throws -> (SheetRef, Bool) {
        let p = XMLPullParser(part: part, bytes: bytes, limits: limits)
        var sheets: [(SheetRef, hidden: Bool)] = []
        var date1904 = false
        while let event = try p.next() {
            guard case .start(let name, let a, _) = event else { continue }
            func value(_ n: String) -> String? { a.first { $0.name == n }?.value }
            if name == "workbookPr", let v = value("date1904") { date1904 = v == "1" || v == "true" }
            if name == "sheet", let sheetName = value("name"), let id = value("id") {
                sheets.append((SheetRef(name: sheetName, relationship: id), value("state").map { $0 != "visible" } ?? false))
            }
        }
        guard let first = sheets.first(where: { !$0.hidden }) ?? sheets.first else {
            throw XLSXError(.missingPart, "工作簿中没有工作表", "the workbook has no sheet")
        }
        return (first.0, date1904)
    }

    static func sharedStrings(_ stream: ZipEntryStream, part: String, limits: XLSXLimits) throws -> [String] {
        let p = XMLPullParser(part: part, limits: limits) { try stream.read(into: &$0) }
        var out: [String] = []
        var current: String?
        var phonetic = 0
        while let event = try p.next() {
            switch event {
            case .start("si", _, let selfClosing):
                if selfClosing { out.append("") } else { current = "" }
                guard out.count < limits.maxSharedStrings else {
                    throw XLSXError(.tooLarge, "共享字符串超过 \(limits.maxSharedStrings) 个", "more than \(limits.maxSharedStrings) shared strings")
                }
            case .start("rPh", _, let selfClosing):
                if !selfClosing { phonetic += 1 }
            case .start("t", _, let selfClosing):
                p.capturing = !selfClosing && phonetic == 0 && current != nil
            case .text(let t):
                current? += t
                if let c = current, c.utf8.count > limits.maxCellCharacters * 4 {
                    throw XLSXError(.badCell, "共享字符串 \(out.count) 过长", "shared string \(out.count) is too long")
                }
            case .end("t"):
                p.capturing = false
            case .end("rPh"):
                phonetic -= 1
            case .end("si"):
                out.append(unescape(current ?? ""))
                current = nil
            default:
                continue
            }
        }
        return out
    }

    static func dateStyles(_ bytes: [UInt8], part: String, limits: XLSXLimits) throws -> Set<Int> {
        let p = XMLPullParser(part: part, bytes: bytes, limits: limits)
        var custom: [Int: String] = [:]
        var formats: [Int] = []
        var inCellXfs = false
        while let event = try p.next() {
            switch event {
            case .start("numFmt", let a, _):
                if let id = a.first(where: { $0.name == "numFmtId" }).flatMap({ Int($0.value) }),
                   let code = a.first(where: { $0.name == "formatCode" })?.value { custom[id] = code }
            case .start("cellXfs", _, let selfClosing):
                inCellXfs = !selfClosing
            case .end("cellXfs"):
                inCellXfs = false
            case .start("xf", let a, _) where inCellXfs:
                formats.append(a.first(where: { $0.name == "numFmtId" }).flatMap { Int($0.value) } ?? 0)
            default:
                continue
            }
        }
        var out = Set<Int>()
        for (i, id) in formats.enumerated() where ExcelDate.isDateFormat(id: id, code: custom[id]) { out.insert(i) }
        return out
    }

    /// ECMA-376's escapes in strings: `_xHHHH_` stands for the character U+HHHH (Excel writes line
    /// breaks and control characters that way) and `_x005F_` for a literal underscore.
    static func unescape(_ text: String) -> String {
        let u = Array(text.unicodeScalars)
        guard u.count >= 7, u.contains("_") else { return text }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            if u[i] == "_", i + 6 < u.count, u[i + 1] == "x", u[i + 6] == "_",
               let v = UInt32(String(String.UnicodeScalarView(u[(i + 2)...(i + 5)])), radix: 16), let s = Unicode.Scalar(v) {
                out.append(s)
                i += 7
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(out)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
