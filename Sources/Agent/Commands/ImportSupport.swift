#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Catalogue
import CSV
import JSON
import Standards

/// Columns and keys that rootsync itself adds to files it writes (export's conflict mark, the
/// reject file's reason): import skips them, so such files can be imported again as they are.
enum ImportReserved {
    static let reasonColumn = "错误原因"
    static let conflictColumn = "冲突"
    static let reasonKey = "_error"
    static let conflictKey = "_conflict"
    static let columns: Set<String> = [reasonColumn, conflictColumn, reasonKey, conflictKey]
}

/// One data row of an import file, read but not yet written.
struct ImportRow {
    /// The physical line where the row begins (what Excel or a text editor shows).
    let line: Int
    /// The fields given, or nil when the row could not even be read as a record.
    var patch: JSONObject?
    /// Problems found while reading the row (messages start with "第N行：" / "line N: ").
    var issues: [ValidationIssue]
    /// The row as it was in the file, for the reject file.
    let raw: Raw

    enum Raw {
        case csv([String])
        case json(String)
    }
}

/// A source of import rows, read one at a time (constant memory whatever the file's length).
protocol ImportSource: AnyObject {
    /// The next data row, nil at the end; throws a `CommandError` when the file cannot be read further.
    func next() throws -> ImportRow?
    /// A writer for rows that were refused, in the same format as the input.
    func rejectWriter(path: String) throws -> RejectWriter
}

func lineIssue(_ line: Int, field: String = "", rule: String, _ zh: String, _ en: String) -> ValidationIssue {
    ValidationIssue(field: field, rule: rule, messageZh: zh, messageEn: en).at(line: line)
}

// MARK: - CSV

/// Rows of a CSV sheet whose first record names the columns by field name or Chinese label.
final class CSVImportSource: ImportSource {
    let reader: CSVReader
    let file: String
    /// The header as written (trimmed), for the reject file.
    let headerNames: [String]
    /// Column index → field name, for the columns that hold fields.
    private let columns: [(index: Int, field: String)]

    init(path: String, encoding: CSVEncoding, resource r: Resource) throws {
        file = path
        do {
            reader = try CSVReader(path: path, encoding: encoding)
        } catch let error as CSVError {
            throw Self.commandError(error, file: path)
        }
        let first: [String]?
        do { first = try reader.nextRecord() } catch let error as CSVError { throw Self.commandError(error, file: path) }
        guard let first else {
            throw CommandError("文件 \(path) 是空的：第一行应为列名", "\(path) is empty: the first row must name the columns")
        }
        let header: CSVHeader
        do { header = try CSVHeader(first, line: reader.recordLine) } catch let error as CSVError {
            throw Self.commandError(error, file: path)
        }
        headerNames = header.names
        var columns: [(Int, String)] = []
        var unknown: [String] = []
        var seen: [String: String] = [:]
        for (i, name) in header.names.enumerated() where !name.isEmpty && !ImportReserved.columns.contains(name) {
            guard let item = r.field(nameOrLabel: name) else { unknown.append(name); continue }
            if let other = seen[item.name] {
                throw CommandError("列“\(other)”和“\(name)”都是\(item.label)（\(item.name)），只能有一列",
                                   "columns \"\(other)\" and \"\(name)\" are both \(item.name) (\(item.label)); keep one")
            }
            seen[item.name] = name
            columns.append((i, item.name))
        }
        if !unknown.isEmpty {
            let valid = r.fields.map { "\($0.label)（\($0.name)）" }.joined(separator: "、")
            let validEn = r.fields.map { "\($0.name) (\($0.label))" }.joined(separator: ", ")
            throw CommandError(
                "文件 \(path) 有\(r.label)没有的列：\(unknown.map { "“\($0)”" }.joined(separator: "、"))，未导入任何记录。\n可用的列名（中文名或字段名均可）：\(valid)",
                "\(path) has columns that \(r.name) does not have: \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); nothing was imported.\nvalid columns (label or name): \(validEn)",
                details: JSONObject([("unknown_columns", .array(unknown.map { .string($0) })),
                                     ("valid_columns", .array(r.fields.map { .string($0.name) }))]))
        }
        guard seen[r.key] != nil else {
            let label = r.field(r.key)?.label ?? r.key
            throw CommandError("文件 \(path) 缺少主键列“\(label)”（\(r.key)），未导入任何记录",
                               "\(path) has no key column \(r.key) (\(label)); nothing was imported")
        }
        self.columns = columns
    }

    static func commandError(_ error: CSVError, file: String) -> CommandError {
        let zh = error.line > 0 ? "文件 \(file) 第\(error.line)行：\(error.chinese)" : error.chinese
        let en = error.line > 0 ? "\(file) line \(error.line): \(error.english)" : error.english
        var details = JSONObject([("csv_error", .string(error.kind.rawValue))])
        if error.line > 0 { details.append("line", .int(error.line)) }
        return CommandError(zh + "；未导入任何记录", en + "; nothing was imported", details: details)
    }

    func next() throws -> ImportRow? {
        let record: [String]?
        do { record = try reader.nextRecord() } catch let error as CSVError {
            throw Self.commandError(error, file: file)
        }
        guard let record else { return nil }
        let line = reader.recordLine
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
                issues.append(lineIssue(line, rule: "csv.extra_cells",
                    "比表头多出 \(record.count - headerNames.count) 列（可能是某个单元格里有逗号）",
                    "\(record.count - headerNames.count) more cell(s) than the header has columns (a comma in a cell?)"))
            }
        }
        return ImportRow(line: line, patch: issues.isEmpty ? patch : nil, issues: issues, raw: .csv(record))
    }

    func rejectWriter(path: String) throws -> RejectWriter {
        try CSVRejectWriter(path: path, header: headerNames)
    }
}

// MARK: - JSON Lines

/// Rows of a JSON Lines file: one object per line; keys are field names.
final class JSONLImportSource: ImportSource {
    let reader: LineReader
    let file: String
    private let fd: Int32
    private var lineNumber = 0

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CommandError("无法打开文件 \(path)：\(reason)", "cannot open \(path): \(reason)")
        }
        file = path
        reader = LineReader(fileDescriptor: fd)
    }

    deinit { close(fd) }

    func next() throws -> ImportRow? {
        while true {
            lineNumber += 1
            let bytes: ArraySlice<UInt8>
            do {
                guard let b = try reader.nextLine() else { return nil }
                bytes = b
            } catch {
                throw CommandError("文件 \(file) 第\(lineNumber)行：行过长（超过 1 MiB）；未导入任何记录",
                                   "\(file) line \(lineNumber): longer than 1 MiB; nothing was imported",
                                   details: JSONObject([("line", .int(lineNumber))]))
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            let value: JSONValue
            do { value = try JSONParser.parse(bytes: bytes) } catch {
                return ImportRow(line: lineNumber, patch: nil, issues: [lineIssue(lineNumber, rule: "jsonl.syntax",
                    "不是有效的 JSON：\(error)", "not valid JSON: \(error)")], raw: .json(text))
            }
            guard var object = value.objectValue else {
                return ImportRow(line: lineNumber, patch: nil, issues: [lineIssue(lineNumber, rule: "jsonl.not_object",
                    "应为 JSON 对象 {…}，实为 \(value.typeName)", "must be a JSON object {…}, found \(value.typeName)")],
                    raw: .json(text))
            }
            for k in ImportReserved.columns { object[k] = nil }
            return ImportRow(line: lineNumber, patch: object, issues: [], raw: .json(text))
        }
    }

    func rejectWriter(path: String) throws -> RejectWriter {
        try JSONLRejectWriter(path: path)
    }
}

// MARK: - Reject files

/// Where refused rows go, each with the reason, so the clerk can fix them and import the file again.
protocol RejectWriter: AnyObject {
    func write(_ raw: ImportRow.Raw, reason: String) throws
    func close() throws
}

/// CSV with the input's header plus a last column 错误原因, UTF-8 with BOM and CRLF (for Excel).
final class CSVRejectWriter: RejectWriter {
    private let writer: CSVWriter
    /// Columns copied from the input (an old 错误原因 column is dropped: the new reason replaces it).
    private let kept: [Int]
    private let width: Int

    init(path: String, header: [String]) throws {
        do { writer = try CSVWriter(path: path, bom: true) } catch let error as CSVError {
            throw CommandError(error.chinese, error.english)
        }
        kept = header.indices.filter { header[$0] != ImportReserved.reasonColumn }
        width = header.count
        try writer.write(kept.map { header[$0] } + [ImportReserved.reasonColumn])
    }

    func write(_ raw: ImportRow.Raw, reason: String) throws {
        guard case .csv(let record) = raw else { return }
        var fields = kept.map { $0 < record.count ? record[$0] : "" }
        // Cells beyond the header (the usual reason for such a row) are kept, before the reason.
        if record.count > width { fields += record[width...] }
        try writer.write(fields + [reason])
    }

    func close() throws { try writer.close() }
}

/// JSON Lines: the input object with an "_error" member (ignored when imported again); a line
/// that was not an object is kept as text in "_original".
final class JSONLRejectWriter: RejectWriter {
    private let out: FileOutput

    init(path: String) throws { out = try FileOutput(path: path) }

    func write(_ raw: ImportRow.Raw, reason: String) throws {
        guard case .json(let text) = raw else { return }
        var object: JSONObject
        if let parsed = try? JSONParser.parse(text), var o = parsed.objectValue {
            o[ImportReserved.reasonKey] = nil
            object = o
        } else {
            object = JSONObject([("_original", .string(text))])
        }
        object.append(ImportReserved.reasonKey, .string(reason))
        try out.json(.object(object))
    }

    func close() throws { try out.close() }
}

/// A buffered file writer that reports write errors (a full disk must not go unnoticed).
final class FileOutput {
    private var fd: Int32
    private var buffer: [UInt8] = []
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CommandError("无法创建文件 \(path)：\(reason)", "cannot create \(path): \(reason)")
        }
        buffer.reserveCapacity(1 << 16 + 4096)
    }

    deinit { if fd >= 0 { _ = try? flush(); Glibc.close(fd) } }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func json(_ value: JSONValue) throws {
        JSONWriter.write(value, into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        guard fd >= 0, !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw CommandError("写入文件 \(path) 失败：\(reason)", "cannot write \(path): \(reason)")
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        defer { if fd >= 0 { Glibc.close(fd); fd = -1 } }
        try flush()
    }
}
