import CSV
import JSON
import Standards

/// The outcome of checking one value against a standard, printable for a person or as JSON.
struct CheckReport {
    /// A parsed fact: JSON key, label for people, value.
    struct Fact {
        let key: String
        let label: String
        let value: JSONValue
    }

    let value: String
    let issues: [ValidationIssue]
    var facts: [Fact] = []
    var notes: [ValidationIssue] = []
    /// Input line number in batch mode.
    var line: Int?

    var isValid: Bool { issues.isEmpty }

    var json: JSONValue {
        var o = JSONObject()
        if let line { o.append("line", .number(String(line))) }
        o.append("input", .string(value))
        o.append("valid", .bool(isValid))
        o.append("errors", .array(issues.map(Self.issueJSON)))
        for f in facts { o.append(f.key, f.value) }
        if !notes.isEmpty { o.append("notes", .array(notes.map(Self.issueJSON))) }
        return .object(o)
    }

    static func issueJSON(_ issue: ValidationIssue) -> JSONValue {
        ["field": .string(issue.field), "rule": .string(issue.rule),
         "message_zh": .string(issue.messageZh), "message_en": .string(issue.messageEn)]
    }

    func printReadable(to out: OutputSink) {
        out.line(isValid ? "✓ \(value)  有效 valid" : "✗ \(value)  无效 invalid")
        for issue in issues {
            out.line("  - \(issue.messageZh)")
            out.line("    \(issue.messageEn)  [\(issue.rule)]")
        }
        for f in facts {
            let text: String
            switch f.value {
            case .null: continue
            case .string(let s): text = s
            case .bool(let b): text = b ? "是 yes" : "否 no"
            default: text = f.value.text
            }
            out.line("  \(f.label): \(text)")
        }
        for n in notes { out.line("  注 note: \(n.messageZh) / \(n.messageEn)") }
    }
}

/// Runs a check on one VALUE, or on every line of standard input: one JSON object per input
/// line, blank lines included, so the output lines up with the input (constant memory).
/// Exit code 0 when every value is valid, 1 otherwise.
enum CheckRunner {
    /// Batch options shared by `check id`, `check uscc` and `check division`.
    static let options: [OptionSpec] = [
        .flag("skip-header", help: "跳过第一行（表头）· skip the first line (a header row)"),
        .option("column", value: "N|NAME", help: "按 CSV 读取每行，取第 N 列（从 1 起）或名为 NAME 的列（第一行为表头）· read each line as CSV and take column N (from 1) or the column named NAME in the first line"),
        .option("encoding", value: "auto|utf8|gb18030", help: "标准输入的编码，默认自动识别（同 import）· encoding of standard input (default: auto, as in import)"),
    ]

    /// Help lines about batch mode, the same for the three commands.
    static let batchHelp = """
    批量模式 Batch mode (no VALUE): 每个输入行输出一行 JSON（含 "line" 行号），空行输出 "valid": false；
    第一行开头的 UTF-8 BOM 会去掉。--skip-header 跳过表头行；--column 3 或 --column 身份证号 取 CSV 的一列
    （按列名时第一行是表头，不输出）；--encoding auto|utf8|gb18030 同 import（Excel 另存的 CSV 多为 GB18030）。
    One JSON line per input line (with its "line" number); a blank line gives "valid": false; a UTF-8
    BOM on the first line is dropped. --skip-header skips a header row; --column 3 or --column 身份证号
    takes one CSV column (by name, the first line is the header and gives no output); --encoding works
    as in import. A CSV cell may not contain a line break in batch mode.
    """

    static func run(_ parsed: ParsedArguments, _ context: CommandContext, check: (String) -> CheckReport) throws -> ExitCode {
        if let value = parsed.positional(0) {
            for option in ["skip-header", "column", "encoding"] where parsed.flag(option) || parsed.value(option) != nil {
                throw UsageError("--\(option) 只用于批量模式（不给 VALUE，从标准输入读取）",
                                 "--\(option) is for batch mode only (no VALUE, read standard input)",
                                 command: parsed.commandName)
            }
            let report = check(value)
            if context.json { context.out.json(report.json) } else { report.printReadable(to: context.out) }
            return report.isValid ? .success : .failure
        }
        let encodingName = parsed.value("encoding") ?? "auto"
        guard let encoding = CSVEncoding(name: encodingName) else {
            throw UsageError("--encoding 应为 auto、utf8 或 gb18030，不是 \(encodingName)",
                             "--encoding must be auto, utf8 or gb18030, not \(encodingName)", command: parsed.commandName)
        }
        var column: Column?
        if let text = parsed.value("column") {
            if text.allSatisfy(\.isASCII), let n = Int(text) {
                guard n >= 1 else {
                    throw UsageError("--column 的列号从 1 开始，不是 \(text)", "--column numbers start at 1, not \(text)",
                                     command: parsed.commandName)
                }
                column = .index(n - 1)
            } else {
                column = .name(text)
            }
        }
        let decoder = LineDecoder(encoding: encoding)
        var allValid = true
        var lineNumber = 0
        do {
            while let bytes = try context.input.nextLine() {
                lineNumber += 1
                let text = try decoder.decode(bytes, line: lineNumber)
                if lineNumber == 1, case .name(let name) = column {
                    let header = try CSVHeader(try cells(text, line: 1))
                    guard let index = header.index(of: name) else {
                        throw CommandError("第一行（表头）中没有名为“\(name)”的列；表头为：\(header.names.joined(separator: "、"))",
                                           "the first line (header) has no column named \"\(name)\"; header: \(header.names.joined(separator: ", "))")
                    }
                    column = .index(index)
                    continue
                }
                if lineNumber == 1 && parsed.flag("skip-header") { continue }
                var value = text
                if case .index(let index) = column {
                    let row = try cells(text, line: lineNumber)
                    value = index < row.count ? row[index] : ""
                }
                var report = check(value)
                report.line = lineNumber
                allValid = allValid && report.isValid
                context.out.json(report.json)
            }
        } catch is LineReader.LineTooLong {
            throw CommandError("输入行过长（超过 1 MiB）", "an input line is longer than 1 MiB")
        } catch let error as CSVError {
            throw CommandError("标准输入第 \(error.line) 行：\(error.chinese)", "standard input line \(error.line): \(error.english)")
        }
        return allValid ? .success : .failure
    }

    private enum Column {
        case index(Int)
        case name(String)
    }

    /// The CSV cells of one line; a blank line has none.
    private static func cells(_ text: String, line: Int) throws -> [String] {
        do {
            return try CSVReader(bytes: Array(text.utf8), encoding: .utf8).nextRecord() ?? []
        } catch let error as CSVError {
            throw CSVError(error.kind, line: line, chinese: error.chinese, english: error.english)
        }
    }
}

extension JSONValue {
    init(_ s: String?) { self = s.map { .string($0) } ?? .null }
}
