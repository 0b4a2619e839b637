import Catalogue
import CSV
import JSON
import Standards
import XLSX

/// Rows of a sheet, CSV or xlsx, whose first row names the columns by field name or Chinese label.
/// Both formats go through the same header rules and hand over cells as text; what a value means
/// is decided later, by the record validator, the same for every path.
public final class SheetImportSource: ImportSource {
    /// Where the rows come from.
    enum Rows {
        case csv(CSVReader)
        case xlsx(XLSXReader)
    }

    private let rows: Rows
    public let file: String
    /// The header as written (trimmed), for the reject file.
    public let headerNames: [String]
    /// Column index → field name, for the columns that hold fields.
    private let columns: [(index: Int, field: String)]

    /// The encoding of a CSV file (nil for xlsx).
    public var csvEncoding: CSVEncoding? {
        if case .csv(let r) = rows { return r.encoding }
        return nil
    }

    public var isXLSX: Bool {
        if case .xlsx = rows { return true }
        return false
    }

    /// A CSV file at `path`.
    public convenience init(csvPath path: String, encoding: CSVEncoding, resource r: Resource) throws {
        let reader: CSVReader
        do { reader = try CSVReader(path: path, encoding: encoding) } catch let error as CSVError { throw Self.fileError(error, file: path) }
        try self.init(rows: .csv(reader), file: path, resource: r)
    }

    /// CSV bytes (an upload).
    public convenience init(csvBytes bytes: [UInt8], name: String, resource r: Resource) throws {
        let reader: CSVReader
        do { reader = try CSVReader(bytes: bytes, encoding: .automatic) } catch let error as CSVError { throw Self.fileError(error, file: name) }
        try self.init(rows: .csv(reader), file: name, resource: r)
    }

    /// An xlsx workbook at `path`: its first visible sheet.
    public convenience init(xlsxPath path: String, resource r: Resource) throws {
        let reader: XLSXReader
        do { reader = try XLSXReader(path: path) } catch let error as XLSXError { throw Self.fileError(error, file: path) }
        try self.init(rows: .xlsx(reader), file: path, resource: r)
    }

    /// xlsx bytes (an upload).
    public convenience init(xlsxBytes bytes: [UInt8], name: String, resource r: Resource) throws {
        let reader: XLSXReader
        do { reader = try XLSXReader(bytes: bytes) } catch let error as XLSXError { throw Self.fileError(error, file: name) }
        try self.init(rows: .xlsx(reader), file: name, resource: r)
    }

    /// Whether `bytes` start like a ZIP archive (an xlsx), whatever the file is called.
    public static func looksLikeXLSX(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04
    }

    init(rows: Rows, file path: String, resource r: Resource) throws {
        self.rows = rows
        file = path
        guard let (first, firstLine) = try Self.read(rows, file: path) else {
            throw ImportFileError("文件 \(path) 是空的：第一行应为列名", "\(path) is empty: the first row must name the columns")
        }
        let header: CSVHeader
        do { header = try CSVHeader(first, line: firstLine) } catch let error as CSVError { throw Self.fileError(error, file: path) }
        headerNames = header.names
        var columns: [(Int, String)] = []
        var unknown: [String] = []
        var seen: [String: String] = [:]
        for (i, name) in header.names.enumerated() where !name.isEmpty && !ImportReserved.columns.contains(name) {
            guard let item = r.field(nameOrLabel: name) else { unknown.append(name); continue }
            if let other = seen[item.name] {
                throw ImportFileError("列“\(other)”和“\(name)”都是\(item.label)（\(item.name)），只能有一列",
                                      "columns \"\(other)\" and \"\(name)\" are both \(item.name) (\(item.label)); keep one")
            }
            seen[item.name] = name
            columns.append((i, item.name))
        }
        if !unknown.isEmpty {
            let valid = r.fields.map { "\($0.label)（\($0.name)）" }.joined(separator: "、")
            let validEn = r.fields.map { "\($0.name) (\($0.label))" }.joined(separator: ", ")
            throw ImportFileError(
                "文件 \(path) 有\(r.label)没有的列：\(unknown.map { "“\($0)”" }.joined(separator: "、"))，未导入任何记录。\n可用的列名（中文名或字段名均可）：\(valid)",
                "\(path) has columns that \(r.name) does not have: \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); nothing was imported.\nvalid columns (label or name): \(validEn)",
                details: JSONObject([("unknown_columns", .array(unknown.map { .string($0) })),
                                     ("valid_columns", .array(r.fields.map { .string($0.name) }))]))
        }
        guard seen[r.key] != nil else {
            let label = r.field(r.key)?.label ?? r.key
            throw ImportFileError("文件 \(path) 缺少主键列“\(label)”（\(r.key)），未导入任何记录",
                                  "\(path) has no key column \(r.key) (\(label)); nothing was imported")
        }
        self.columns = columns
    }

    /// The next record and its line, from either kind of file.
    private static func read(_ rows: Rows, file: String) throws -> ([String], Int)? {
        switch rows {
        case .csv(let reader):
            do {
                guard let record = try reader.nextRecord() else { return nil }
                return (record, reader.recordLine)
            } catch let error as CSVError {
                throw fileError(error, file: file)
            }
        case .xlsx(let reader):
            do {
                guard let cells = try reader.nextRow() else { return nil }
                return (cells.map(\.text), reader.rowNumber)
            } catch let error as XLSXError {
                throw fileError(error, file: file)
            }
        }
    }

    public static func fileError(_ error: CSVError, file: String) -> ImportFileError {
        let zh = error.line > 0 ? "文件 \(file) 第\(error.line)行：\(error.chinese)" : error.chinese
        let en = error.line > 0 ? "\(file) line \(error.line): \(error.english)" : error.english
        var details = JSONObject([("csv_error", .string(error.kind.rawValue))])
        if error.line > 0 { details.append("line", .int(error.line)) }
        return ImportFileError(zh + "；未导入任何记录", en + "; nothing was imported", details: details)
    }

    public static func fileError(_ error: XLSXError, file: String) -> ImportFileError {
        let zh = error.row > 0 ? "文件 \(file) 第\(error.row)行：\(error.chinese)" : "文件 \(file)：\(error.chinese)"
        let en = error.row > 0 ? "\(file) row \(error.row): \(error.english)" : "\(file): \(error.english)"
        var details = JSONObject([("xlsx_error", .string(error.kind.rawValue))])
        if error.row > 0 { details.append("line", .int(error.row)) }
        return ImportFileError(zh + "；未导入任何记录", en + "; nothing was imported", details: details)
    }

    public func next() throws -> ImportRow? {
        guard let (record, line) = try Self.read(rows, file: file) else { return nil }
        var patch = JSONObject()
        for (i, field) in columns where i < record.count {
            let cell = record[i]
            // An empty cell means "not given": the field keeps its value.
            if cell.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) { continue }
            patch.append(field, .string(cell))
        }
        var issues: [ValidationIssue] = []
        if record.count > headerNames.count {
            let extra = record[headerNames.count...].filter { !$0.unicodeScalars.allSatisfy { $0.properties.isWhitespace } }
            if !extra.isEmpty {
                issues.append(isXLSX
                    ? lineIssue(line, rule: "xlsx.extra_cells", "表头右侧的列中有内容（没有列名）", "cells to the right of the header's last column")
                    : lineIssue(line, rule: "csv.extra_cells",
                                "比表头多出 \(record.count - headerNames.count) 列（可能是某个单元格里有逗号）",
                                "\(record.count - headerNames.count) more cell(s) than the header has columns (a comma in a cell?)"))
            }
        }
        return ImportRow(line: line, patch: issues.isEmpty ? patch : nil, issues: issues, raw: .cells(record))
    }

    public func rejectWriter(path: String?) throws -> RejectWriter {
        isXLSX ? try XLSXRejectWriter(path: path, header: headerNames) : try CSVRejectWriter(path: path, header: headerNames)
    }
}
