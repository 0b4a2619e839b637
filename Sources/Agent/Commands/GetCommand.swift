import Catalogue
import JSON
import Replica

/// `rootsync get`: one record, with the catalogue's Chinese labels.
struct GetCommand: Command {
    static let path = ["get"]
    static let summary = "查看一条记录 · show one record"
    static let discussion = """
    按主键显示一条记录，每行一个字段（中文名称、字段名、值）。记录不存在或已删除时退出码为 3。
    Shows one record by its key, one field per line (Chinese label, field name, value). Exit code 3
    when the record does not exist or was deleted.

    例 Example:  rootsync get person 150603199001010012
    """
    static let arguments = ReplicaAccess.recordArguments
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let resourceName: String
    let key: String

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        (resourceName, key) = try ReplicaAccess.record(parsed)
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let r = try ReplicaAccess.resource(replica, resourceName)
        guard var record = try ReplicaAccess.mapped(resource: r, { try replica.get(r.name, key: key) }) else {
            throw CommandError("找不到\(r.label) \(key)（不存在或已删除）", "\(r.name) \(key) not found (absent or deleted)",
                               exitCode: .notFound)
        }
        // The table row may hold a direct write that failed validation (not versioned, not synced).
        let storedKey = record[r.key]?.stringValue ?? key
        let invalid = try ReplicaAccess.mapped { try replica.invalidWrites() }.first { $0.resource == r.name && $0.key == storedKey }
        if invalid != nil { record.append("_invalid", .bool(true)) }
        if context.json {
            context.out.json(.object(record))
            return .success
        }
        let labels = r.fields.map { "\($0.label) \($0.name)" }
        let width = labels.map(ReplicaAccess.displayWidth).max() ?? 0
        for (field, label) in zip(r.fields, labels) {
            let value = ReplicaAccess.text(record[field.name] ?? .null, field: field, catalogue: replica.catalogue)
            context.out.line("\(ReplicaAccess.pad(label, width)): \(value)")
        }
        if let invalid {
            let fields = invalid.problems.map(\.field).filter { !$0.isEmpty }.joined(separator: "、")
            context.out.line("⚠ 此记录被其他程序直接修改，未通过校验（\(fields)），未同步，见 rootsync invalid · "
                             + "a direct write to this record failed validation and is not synced, see rootsync invalid")
        }
        if record["_conflict"] == .bool(true) {
            context.out.line("⚠ 此记录有未解决的冲突，见 rootsync conflicts · this record has an open conflict, see rootsync conflicts")
        }
        return .success
    }
}
