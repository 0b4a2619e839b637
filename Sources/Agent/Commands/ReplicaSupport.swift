#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Catalogue
import Foundation
import JSON
import Node
import Replica
import SQLite
import Standards

/// What the commands working on a node's replica share: where it lives, how it is opened, how
/// replica errors become messages and exit codes, and how records are shown to people.
enum ReplicaAccess {
    static let fileName = "replica.sqlite"
    static let nodeFileName = "node.json"

    /// RESOURCE KEY: the arguments of every command about one record.
    static let recordArguments = [
        ArgumentSpec("RESOURCE", help: "数据种类 · resource name (person, house, enterprise, place, event)"),
        ArgumentSpec("KEY", help: "主键，例如公民身份号码 · the record's key, e.g. the ID number"),
    ]

    /// The record a command names with `recordArguments`.
    static func record(_ parsed: ParsedArguments) throws -> (resource: String, key: String) {
        (try parsed.required(argument: 0, "RESOURCE"), try parsed.required(argument: 1, "KEY"))
    }

    static let dirOption = OptionSpec.option("dir", value: "DIR",
        help: "节点目录（副本 DIR/replica.sqlite），默认当前目录 · node directory holding replica.sqlite (default: current directory)")

    /// The node directory named by `--dir`, absolute, without a trailing slash.
    static func directory(_ parsed: ParsedArguments) -> String {
        let given = parsed.value("dir") ?? FileManager.default.currentDirectoryPath
        var path = URL(fileURLWithPath: given).standardizedFileURL.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    static func replicaPath(_ parsed: ParsedArguments) -> String {
        (directory(parsed) as NSString).appendingPathComponent(fileName)
    }

    /// How long a writing command waits for another one on the same replica to finish.
    static let writerWait: Double = 10

    /// Takes `slot` of the lock of the node directory `--dir` names. Nil when that directory
    /// holds no replica (the command then fails with its own message, and no lock file is left
    /// in a directory that is not a node's).
    static func lock(_ parsed: ParsedArguments, _ slot: NodeLock.Slot) throws -> NodeLock? {
        let dir = directory(parsed)
        guard FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(fileName)) else { return nil }
        return try lock(directory: dir, slot)
    }

    static func lock(directory dir: String, _ slot: NodeLock.Slot) throws -> NodeLock {
        do {
            return try NodeLock.acquire(directory: dir, slot: slot, wait: slot == .writer ? writerWait : 0)
        } catch let e as NodeLockError {
            var details = JSONObject()
            details.append("lock", .string(NodeLock.path(directory: dir)))
            if let pid = e.pid { details.append("holder_pid", .int(Int(pid))) }
            throw CommandError(e.messageZh, e.description, details: details)
        }
    }

    /// Opens the replica in `--dir` and versions writes other programs made since the last run,
    /// so nothing shown or written next misses them.
    static func open(_ parsed: ParsedArguments, capture: Bool = true) throws -> Replica {
        let path = replicaPath(parsed)
        let replica = try mapped { try Replica.open(path: path, divisions: try StandardsData.divisions()) }
        if capture { _ = try mapped { try replica.captureExternalWrites() } }
        return replica
    }

    /// The resource named on the command line, or an error listing the ones there are.
    static func resource(_ replica: Replica, _ name: String) throws -> Resource {
        guard let r = replica.catalogue.resource(name) else {
            let known = replica.catalogue.resources.map { "\($0.name)（\($0.label)）" }.joined(separator: "、")
            let knownEn = replica.catalogue.resources.map(\.name).joined(separator: ", ")
            throw CommandError("没有这种数据：\(name)。可用的有：\(known)",
                               "unknown resource \(name); known resources: \(knownEn)")
        }
        return r
    }

    /// Runs `body`, turning replica and database errors into messages for people and exit codes.
    static func mapped<T>(resource: Resource? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw translate(error, resource: resource)
        }
    }

    static func translate(_ error: any Error, resource: Resource? = nil) -> any Error {
        switch error {
        case let error as ReplicaError: return commandError(error, resource: resource)
        case let error as SQLiteError where error.isFull:
            return CommandError("磁盘已满，本次修改没有保存（副本保持原样），腾出空间后再试：\(error)",
                                "the disk is full: nothing was written (the replica is as it was); free some space and try again: \(error)")
        case let error as SQLiteError: return CommandError("数据库错误：\(error)", "database error: \(error)")
        case let error as CocoaError where error.code == .fileWriteOutOfSpace:
            return CommandError("磁盘已满，无法写入租约文件 \(error.filePath ?? "")；腾出空间后再试（用 rootsync get 查看修改是否已保存）",
                                "the disk is full: the lease file \(error.filePath ?? "") could not be written; free some space and try again (rootsync get shows whether the change was saved)")
        case let error as CatalogueError: return CommandError("数据目录无效：\(error)", "invalid catalogue: \(error)")
        default: return error
        }
    }

    static func commandError(_ error: ReplicaError, resource: Resource?) -> CommandError {
        switch error {
        case .notFound:
            return CommandError(error.messageZh, error.description, exitCode: .notFound)
        case .notAReplica(let path):
            return CommandError(error.messageZh, error.description,
                                details: JSONObject([("path", .string(path))]),
                                hint: "rootsync init --dir DIR --topology FILE --node CODE")
        case .invalid(let issues):
            return invalid(issues, resource: resource)
        default:
            return CommandError(error.messageZh, error.description)
        }
    }

    /// Every problem, one per line, naming the field by its Chinese label and its name.
    static func invalid(_ issues: [ValidationIssue], resource: Resource?, summaryZh: String = "数据有误，未写入任何内容：",
                        summaryEn: String = "invalid data, nothing was written:") -> CommandError {
        var zh = summaryZh, en = summaryEn
        for issue in issues {
            let label = resource?.field(issue.field)?.label
            let name = issue.field.isEmpty ? "" : (label.map { "\($0)（\(issue.field)）" } ?? issue.field)
            // Batch problems show their line first, then the field.
            zh += "\n  - " + issue.linePrefixZh + (name.isEmpty ? issue.messageZhWithoutLine : "\(name)：\(issue.messageZhWithoutLine)")
            en += "\n  - " + issue.linePrefixEn + (issue.field.isEmpty ? issue.messageEnWithoutLine : "\(issue.field): \(issue.messageEnWithoutLine)") + " [\(issue.rule)]"
        }
        return CommandError(zh, en, details: JSONObject([("problems", .array(issues.map(issueJSON)))]))
    }

    static func issueJSON(_ issue: ValidationIssue) -> JSONValue {
        ["field": .string(issue.field), "rule": .string(issue.rule),
         "message_zh": .string(issue.messageZh), "message_en": .string(issue.messageEn)]
    }

    /// Parses a JSON object given on the command line.
    static func object(_ text: String, option: String) throws -> JSONObject {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch {
            throw CommandError("--\(option) 不是有效的 JSON：\(error)", "--\(option) is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw CommandError("--\(option) 应为 JSON 对象 {…}，实为 \(value.typeName)",
                               "--\(option) must be a JSON object {…}, found \(value.typeName)")
        }
        return object
    }

    // MARK: Showing values to people

    /// A value as text for people: strings bare, tags joined, code-set codes with their names.
    static func text(_ value: JSONValue, field: DataItem? = nil, catalogue: Catalogue? = nil) -> String {
        switch value {
        case .null: return "—"
        case .string(let s):
            if let set = field?.codeSet, let name = catalogue?.codeSet(set)?.name(forCode: s) { return "\(s)（\(name)）" }
            return s
        case .bool(let b): return b ? "是 true" : "否 false"
        case .number(let n): return n
        case .array(let items):
            if items.isEmpty { return "—" }
            return items.map { $0.stringValue ?? $0.text }.joined(separator: "、")
        case .object: return value.text
        }
    }

    /// Columns a terminal uses for `s`: CJK and full-width characters take two.
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            if v < 0x20 || (0x300...0x36F).contains(v) || v == 0x200B { return w }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return w + (wide ? 2 : 1)
        }
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - displayWidth(s)))
    }

    /// The zone the node in `--dir` shows times in (node.json `time_zone`): every time a command
    /// shows goes through it (`NodeTime`, the one formatter).
    static func time(_ parsed: ParsedArguments) throws -> NodeTime {
        do { return try NodeConfig.time(directory: directory(parsed)) } catch let e as ConfigError {
            throw CommandError(e.messageZh, e.messageEn)
        }
    }

    // MARK: node.json

    /// The node file `rootsync init` writes, when present.
    static func nodeFile(_ parsed: ParsedArguments) -> JSONObject? {
        let path = (directory(parsed) as NSString).appendingPathComponent(nodeFileName)
        guard let data = FileManager.default.contents(atPath: path),
              let value = try? JSONParser.parse(bytes: Array(data)) else { return nil }
        return value.objectValue
    }
}
