import Node
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Catalogue
import CSV
import Foundation
import Importing
import JSON
import Replica
import Standards

/// `rootsync import`: loads a CSV sheet (as Excel saves it) or a JSON Lines file into the replica,
/// streaming, validated row by row, all or nothing unless `--skip-invalid`.
struct ImportCommand: Command {
    static let path = ["import"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "从 Excel（.xlsx 或 CSV）或 JSON Lines 文件导入记录 · import records from Excel (.xlsx or CSV) or JSON Lines"
    static let discussion = """
    Excel 工作簿（.xlsx，读第一个可见的工作表）或 CSV 文件的第一行是列名：字段的中文名（如 公民身份号码）或
    字段名（如 id_number）均可，顺序不限，必须有主键列。日期可写 2000-01-01、2000/1/1 或 2000年1月1日，
    代码可写代码或名称（男、女、汉族），全角数字也可以。
    空单元格表示“不填”，该字段保持原值；标签可写成“低保;独居老人”。文件可以是 UTF-8（带或不带 BOM）或
    Excel 另存的 GB18030/GBK，会自动识别（也可用 --encoding 指定）。JSON Lines 文件每行一个 JSON 对象。
    默认全部导入或一条也不导入：只要有一行有误，就不写入任何记录，并列出每一行的行号、字段和原因。
    加 --skip-invalid 时导入正确的行，有误的行连同“错误原因”一列写入拒收文件（默认为 FILE.rejects.csv，
    .xlsx 文件为 FILE.rejects.xlsx），
    可以在 Excel 里改正后再导入这个文件。rootsync export 导出的文件可以原样导入。
    The first row of an Excel workbook (.xlsx: its first visible sheet) or a CSV file names the
    columns, by Chinese label or field name, in any order; the key column is required. Dates may
    be 2000-01-01, 2000/1/1 or 2000年1月1日, codes their code or name (男, 女, 汉族), digits full-width. An empty cell means "not given" (the field keeps its value); tags may be
    written "低保;独居老人". UTF-8 (with or without BOM) or GB18030 as Chinese Excel saves it is
    detected automatically. JSON Lines: one object per line. By default nothing is imported when
    any row is wrong, and every problem is listed with its line and field. With --skip-invalid the
    good rows are imported and the bad ones are written, with a 错误原因 (reason) column, to a reject
    file (default FILE.rejects.csv, FILE.rejects.xlsx for a workbook, FILE.rejects.jsonl for JSON Lines) that can be fixed in
    Excel and imported again. Files written by rootsync export import unchanged.

    例 Example:  rootsync import person 人口.csv --dir /srv/rootsync
                 rootsync import house 房屋.xlsx --skip-invalid --dir /srv/rootsync
    """
    static let arguments = [
        ArgumentSpec("RESOURCE", help: "数据种类：person 人口、house 房屋、enterprise 企业、place 场所、event 事件 · resource name"),
        ArgumentSpec("FILE", help: "要导入的文件（.xlsx、.csv/.txt 或 .jsonl/.ndjson/.json）· the file to import"),
    ]
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("format", value: "xlsx|csv|jsonl", help: "文件格式，默认按扩展名判断 · file format (default: from the extension)"),
        .option("encoding", value: "auto|utf8|gb18030", help: "CSV 文件编码，默认自动识别 · CSV text encoding (default: auto)"),
        .flag("skip-invalid", help: "导入正确的行，有误的行写入拒收文件 · import the good rows, write the bad ones to a reject file"),
        .option("reject-file", value: "PATH", help: "拒收文件路径，默认 FILE.rejects.csv · where to write rejected rows (default FILE.rejects.csv)"),
    ]

    static let progressEvery = 100_000

    enum Format: String { case csv, jsonl, xlsx }

    let parsed: ParsedArguments
    let resourceName: String
    let file: String
    let format: Format
    let encoding: CSVEncoding
    let skipInvalid: Bool

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        resourceName = try parsed.required(argument: 0, "RESOURCE")
        file = try parsed.required(argument: 1, "FILE")
        if let f = parsed.value("format") {
            guard let format = Format(rawValue: f.lowercased()) else {
                throw UsageError("--format 应为 xlsx、csv 或 jsonl，不是 \(f)", "--format must be xlsx, csv or jsonl, not \(f)", command: parsed.commandName)
            }
            self.format = format
        } else {
            switch (file as NSString).pathExtension.lowercased() {
            case "xlsx", "xlsm": format = .xlsx
            case "xls":
                throw UsageError("旧版 Excel 文件（.xls）无法读取：请在 Excel 中另存为 .xlsx 或 CSV",
                                 "old Excel files (.xls) cannot be read: save as .xlsx or CSV in Excel", command: parsed.commandName)
            case "csv", "txt": format = .csv
            case "jsonl", "ndjson", "json": format = .jsonl
            default:
                throw UsageError("无法从文件名 \(file) 判断格式，请用 --format xlsx、--format csv 或 --format jsonl",
                                 "cannot tell the format of \(file) from its name; give --format xlsx, csv or jsonl",
                                 command: parsed.commandName)
            }
        }
        let e = parsed.value("encoding") ?? "auto"
        guard let encoding = CSVEncoding(name: e) else {
            throw UsageError("--encoding 应为 auto、utf8 或 gb18030，不是 \(e)", "--encoding must be auto, utf8 or gb18030, not \(e)",
                             command: parsed.commandName)
        }
        if format == .jsonl && encoding == .gb18030 {
            throw UsageError("JSON Lines 文件必须是 UTF-8", "JSON Lines files must be UTF-8", command: parsed.commandName)
        }
        if format == .xlsx && parsed.value("encoding") != nil {
            throw UsageError("--encoding 只用于 CSV 文件", "--encoding applies to CSV files only", command: parsed.commandName)
        }
        self.encoding = encoding
        skipInvalid = parsed.flag("skip-invalid")
        if parsed.value("reject-file") != nil && !skipInvalid {
            throw UsageError("--reject-file 只能与 --skip-invalid 一起使用", "--reject-file needs --skip-invalid", command: parsed.commandName)
        }
    }

    var rejectPath: String {
        parsed.value("reject-file") ?? file + ".rejects." + (format == .jsonl ? "jsonl" : format.rawValue)
    }

    typealias Tally = ImportRun.Tally

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let r = try ReplicaAccess.resource(replica, resourceName)
        if skipInvalid, Self.samePath(rejectPath, file) {
            throw UsageError("拒收文件不能是输入文件本身", "the reject file cannot be the input file", command: parsed.commandName)
        }
        let source: any ImportSource
        do {
            switch format {
            case .csv: source = try SheetImportSource(csvPath: file, encoding: encoding, resource: r)
            case .xlsx: source = try SheetImportSource(xlsxPath: file, resource: r)
            case .jsonl: source = try JSONLImportSource(path: file)
            }
        } catch let e as ImportFileError {
            throw CommandError(e.messageZh, e.messageEn, details: e.details)
        }
        let run = ImportRun(replica: replica, resource: r, source: source, mode: skipInvalid ? .keepValid : .allOrNothing, rejectPath: rejectPath)
        let kept: Bool
        do {
            kept = try run.run(progressEvery: Self.progressEvery) { rows in
                if !context.json {
                    context.err.line("已读取 \(rows) 行 · \(rows) rows read")
                    context.err.flush()
                }
            }
        } catch {
            restoreLease(replica, r)
            if run.rejects != nil { unlink(rejectPath) }
            if let e = error as? ImportFileError { throw CommandError(e.messageZh, e.messageEn, details: e.details) }
            throw ReplicaAccess.translate(error, resource: r)
        }
        restoreLease(replica, r)
        if !kept { throw failure(run.tally, r) }
        report(run.tally, r, source, context)
        return .success
    }

    /// The reason column: every problem of the row, naming its field, without the line prefix.
    static func reason(_ issues: [ValidationIssue], _ r: Resource) -> String { ImportRun.reason(issues, r) }

    /// The import runs in one outer transaction, inside which the replica does not write its
    /// lease: write it from the committed state afterwards (or the next open takes a new epoch).
    private func restoreLease(_ replica: Replica, _ r: Resource) {
        try? replica.writeLease()
    }

    private func failure(_ tally: Tally, _ r: Resource) -> CommandError {
        let shown = tally.problems
        var e = ReplicaAccess.invalid(shown, resource: r,
            summaryZh: "文件 \(file) 共 \(tally.rows) 行，其中 \(tally.rejected) 行有误，未导入任何记录：",
            summaryEn: "\(tally.rejected) of \(tally.rows) rows of \(file) are invalid; nothing was imported:")
        var zh = e.messageZh, en = e.messageEn
        if tally.problemCount > shown.count {
            zh += "\n  …另有 \(tally.problemCount - shown.count) 个问题未列出"
            en += "\n  … and \(tally.problemCount - shown.count) more problems not listed"
        }
        e = CommandError(zh, en, details: JSONObject([
            ("problems", .array(shown.map { issue in
                var o = ReplicaAccess.issueJSON(issue).objectValue ?? JSONObject()
                let line = PutCommand.lineNumber(issue)
                if line != Int.max { o.append("line", .int(line)) }
                return .object(o)
            })),
            ("problems_total", .int(tally.problemCount)),
            ("rows_read", .int(tally.rows)),
            ("rows_with_problems", .int(tally.rejected)),
        ]), hint: "改正后重新导入，或加 --skip-invalid 先导入正确的行 · fix the file and import again, or use --skip-invalid")
        return e
    }

    private func report(_ tally: Tally, _ r: Resource, _ source: any ImportSource, _ context: CommandContext) {
        let encodingName = (source as? SheetImportSource)?.csvEncoding?.rawValue
        if context.json {
            var o = JSONObject()
            o.append("resource", .string(r.name))
            o.append("file", .string(file))
            o.append("format", .string(format.rawValue))
            if let encodingName { o.append("encoding", .string(encodingName)) }
            o.append("rows", .int(tally.rows))
            o.append("imported", .int(tally.imported))
            o.append("created", .int(tally.created))
            o.append("updated", .int(tally.updated))
            o.append("unchanged", .int(tally.unchanged))
            o.append("rejected", .int(tally.rejected))
            if tally.rejected > 0 {
                o.append("reject_file", .string(rejectPath))
                o.append("problems", .array(tally.problems.prefix(100).map { issue in
                    var p = ReplicaAccess.issueJSON(issue).objectValue ?? JSONObject()
                    p.append("line", .int(PutCommand.lineNumber(issue)))
                    return .object(p)
                }))
            }
            context.out.json(.object(o))
            return
        }
        context.out.line("读取 \(tally.rows) 行，导入 \(tally.imported) 条\(r.label)记录（新增 \(tally.created)，修改 \(tally.updated)，无变化 \(tally.unchanged)），拒收 \(tally.rejected) 行")
        context.out.line("read \(tally.rows) rows: imported \(tally.imported) \(r.name) records (\(tally.created) created, \(tally.updated) updated, \(tally.unchanged) unchanged), \(tally.rejected) rejected")
        if tally.rejected > 0 {
            for issue in tally.problems.prefix(20) {
                let name = r.field(issue.field).map { "\($0.label)（\($0.name)）：" } ?? ""
                context.out.line("  - \(issue.linePrefixZh)\(name)\(issue.messageZhWithoutLine)")
            }
            if tally.problemCount > 20 { context.out.line("  … 共 \(tally.problemCount) 个问题 · \(tally.problemCount) problems in all") }
            context.out.line("有误的行及原因已写入 rejected rows and reasons written to: \(rejectPath)")
        }
        if encodingName == CSVEncoding.gb18030.rawValue {
            context.out.line("（文件编码 GB18030 · file encoding GB18030）")
        }
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0, stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        return URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
    }
}
