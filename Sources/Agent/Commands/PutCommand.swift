import Node
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Catalogue
import JSON
import Replica
import Standards

/// `rootsync put`: inserts or updates records, validated against the catalogue first.
struct PutCommand: Command {
    static let path = ["put"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "新增或修改记录 · insert or update records"
    static let discussion = """
    --data 给出一条记录（JSON 对象）；没有给出的字段保持原样。--file 逐行读取 JSON Lines 文件（每行一个对象，
    "-" 表示标准输入），全部记录在一个事务中写入：只要有一行有误，就一条也不写，并列出每一行的问题和行号。
    --data gives one record (a JSON object); fields not given stay as they are. --file reads a JSON
    Lines file (one object per line, "-" for standard input) in one transaction: if any line is
    wrong nothing is written, and every problem is listed with its line number.

    例 Example:  rootsync put person --data '{"id_number":"…","name":"张三","community_code":"150603002001"}'
                 rootsync put house --file 房屋.jsonl
    """
    static let arguments = [ArgumentSpec("RESOURCE", help: "数据种类：person 人口、house 房屋、enterprise 企业、place 场所、event 事件 · resource name")]
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("data", value: "JSON", help: "一条记录（JSON 对象）· one record as a JSON object"),
        .option("file", value: "F.jsonl", help: "JSON Lines 文件，每行一条记录；- 为标准输入 · a JSON Lines file, one record per line; - for stdin"),
    ]

    let parsed: ParsedArguments
    let resourceName: String

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        resourceName = try parsed.required(argument: 0, "RESOURCE")
        switch (parsed.value("data"), parsed.value("file")) {
        case (nil, nil): throw UsageError("需要 --data 或 --file", "--data or --file is required", command: parsed.commandName)
        case (.some, .some): throw UsageError("--data 和 --file 只能给一个", "give either --data or --file, not both", command: parsed.commandName)
        default: break
        }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        if let data = parsed.value("data") {
            let patch = try ReplicaAccess.object(data, option: "data")
            let replica = try ReplicaAccess.open(parsed)
            let r = try ReplicaAccess.resource(replica, resourceName)
            let result = try ReplicaAccess.mapped(resource: r) { try replica.put(r.name, patch) }
            if context.json {
                context.out.json(Self.json(result))
            } else {
                context.out.line(Self.readable(result, r))
            }
            return .success
        }
        return try putFile(parsed.value("file")!, context)
    }

    private func putFile(_ file: String, _ context: CommandContext) throws -> ExitCode {
        let reader: LineReader
        var fd: Int32 = -1
        if file == "-" {
            reader = context.input
        } else {
            fd = open(file, O_RDONLY)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                throw CommandError("无法打开文件 \(file)：\(reason)", "cannot open \(file): \(reason)")
            }
            reader = LineReader(fileDescriptor: fd)
        }
        defer { if fd >= 0 { close(fd) } }

        let replica = try ReplicaAccess.open(parsed)
        let r = try ReplicaAccess.resource(replica, resourceName)
        let lines = JSONLinesPatches(reader: reader)
        var created = 0, changed = 0, total = 0
        do {
            // The outer transaction guarantees all or nothing even if a line could not be read.
            try replica.transaction {
                try replica.putAll(r.name, lines) { result in
                    total += 1
                    if result.created { created += 1 } else if !result.groups.isEmpty { changed += 1 }
                }
                if !lines.problems.isEmpty { throw ReplicaError.invalid([]) }
            }
            try replica.writeLease()
        } catch let error as ReplicaError {
            if case .invalid(let issues) = error {
                // Lines that were not JSON objects reached putAll as placeholders: show why instead.
                var all: [ValidationIssue] = []
                for issue in issues {
                    if let replaced = lines.problems[issue.field] { all.append(replaced) } else { all.append(issue) }
                }
                for (_, issue) in lines.problems where !all.contains(issue) { all.append(issue) }
                all.sort { Self.lineNumber($0) < Self.lineNumber($1) }
                let badLines = Set(all.map(Self.lineNumber)).count
                var e = ReplicaAccess.invalid(all, resource: r,
                    summaryZh: "文件 \(file) 有 \(badLines) 行有误，未写入任何记录：",
                    summaryEn: "\(badLines) line(s) of \(file) are invalid; no record was written:")
                e.details = JSONObject([
                    ("problems", .array(all.map { issue in
                        var o = ReplicaAccess.issueJSON(issue).objectValue ?? JSONObject()
                        let line = Self.lineNumber(issue)
                        if line != Int.max { o.append("line", .int(line)) }
                        return .object(o)
                    })),
                    ("lines_with_problems", .int(badLines)),
                    ("records_read", .int(lines.count)),
                ])
                throw e
            }
            throw ReplicaAccess.commandError(error, resource: r)
        } catch {
            throw ReplicaAccess.translate(error, resource: r)
        }

        let unchanged = total - created - changed
        if context.json {
            var o = JSONObject()
            o.append("resource", .string(r.name))
            o.append("file", .string(file))
            o.append("records", .int(total))
            o.append("created", .int(created))
            o.append("updated", .int(changed))
            o.append("unchanged", .int(unchanged))
            context.out.json(.object(o))
        } else {
            context.out.line("已写入 \(total) 条\(r.label)记录：新增 \(created)，修改 \(changed)，无变化 \(unchanged)")
            context.out.line("wrote \(total) \(r.name) records: \(created) created, \(changed) updated, \(unchanged) unchanged")
        }
        return .success
    }

    /// The input line an issue belongs to (`putAll` records it); issues of no line sort last.
    static func lineNumber(_ issue: ValidationIssue) -> Int { issue.line ?? Int.max }

    static func json(_ result: WriteResult) -> JSONValue {
        var o = JSONObject()
        o.append("resource", .string(result.resource))
        o.append("key", .string(result.key))
        o.append("created", .bool(result.created))
        o.append("groups", .array(result.groups.map { .string($0) }))
        return .object(o)
    }

    static func readable(_ result: WriteResult, _ r: Resource) -> String {
        let groups = result.groups.map { g in r.group(g).map { "\($0.label) \(g)" } ?? g }.joined(separator: "、")
        if result.created {
            return "已新增 created \(r.label) \(result.key)（字段组 groups: \(groups)）"
        } else if result.groups.isEmpty {
            return "无变化 unchanged \(r.label) \(result.key)"
        }
        return "已修改 updated \(r.label) \(result.key)（字段组 groups: \(groups)）"
    }
}

/// The records of a JSON Lines input, read one line at a time as `putAll` iterates (constant
/// memory however long the file). A line that is not a JSON object is passed on as a placeholder
/// with an unknown field, so `putAll` refuses the whole batch; `problems` says what was wrong.
final class JSONLinesPatches: Sequence {
    let reader: LineReader
    /// Placeholder field name → the problem to report for that line.
    private(set) var problems: [String: ValidationIssue] = [:]
    private(set) var count = 0
    private var lineNumber = 0
    private var finished = false

    init(reader: LineReader) { self.reader = reader }

    func makeIterator() -> AnyIterator<(line: Int, patch: JSONObject)> {
        AnyIterator { self.next() }
    }

    private func next() -> (line: Int, patch: JSONObject)? {
        while !finished {
            lineNumber += 1
            let bytes: ArraySlice<UInt8>
            do {
                guard let line = try reader.nextLine() else { finished = true; return nil }
                bytes = line
            } catch {
                finished = true
                return placeholder("行过长（超过 1 MiB），之后的内容未读取",
                                   "longer than 1 MiB; the rest of the input was not read", rule: "jsonl.line_too_long")
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            count += 1
            let value: JSONValue
            do { value = try JSONParser.parse(bytes: bytes) } catch {
                return placeholder("不是有效的 JSON：\(error)", "not valid JSON: \(error)", rule: "jsonl.syntax")
            }
            guard let object = value.objectValue else {
                return placeholder("应为 JSON 对象 {…}，实为 \(value.typeName)",
                                   "must be a JSON object {…}, found \(value.typeName)", rule: "jsonl.not_object")
            }
            return (lineNumber, object)
        }
        return nil
    }

    private func placeholder(_ zh: String, _ en: String, rule: String) -> (line: Int, patch: JSONObject) {
        let field = "\u{1}line\(lineNumber)"
        problems[field] = ValidationIssue(field: "", rule: rule, messageZh: zh, messageEn: en).at(line: lineNumber)
        return (lineNumber, JSONObject([(field, .null)]))
    }
}
