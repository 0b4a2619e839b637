import Foundation
import JSON
import Node
import Replica

/// `rootsync history`: who changed what in one record, when, at which node.
struct HistoryCommand: Command {
    static let path = ["history"]
    static let summary = "查看一条记录的修改历史 · show one record's change history"
    static let discussion = """
    列出本节点持有的这条记录的每一次修改（最早的在前）：哪个节点、何时（写入方的时间，按本节点时区 time_zone 显示）、改了哪一组字段、
    每个字段从什么值改成什么值，以及这一版现在是否仍然有效（被后来的修改取代、或与其他修改冲突）。
    Lists every change of the record held here, oldest first: which node, when (the writer's time,
    in the node's time_zone), which field group, each field from which value to which, and whether the version still
    stands (or a later change that saw it replaced it, or it conflicts with a concurrent one).
    Exit code 3 when the record was never held here.

    例 Example:  rootsync history person 150603199001010012
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
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let r = try ReplicaAccess.resource(replica, resourceName)
        guard let changes = try ReplicaAccess.mapped(resource: r, { try replica.history(r.name, key: key) }) else {
            if try replica.wasPurged(r.name, key: key) {
                throw CommandError("本节点没有\(r.label) \(key) 的任何版本：该记录已删除，所有节点确认删除后已清除",
                                   "no version of \(r.name) \(key) is held here: it was deleted, and purged once every node had the delete",
                                   exitCode: .notFound)
            }
            throw CommandError("本节点没有\(r.label) \(key) 的任何版本", "no version of \(r.name) \(key) is held here", exitCode: .notFound)
        }
        let time = try ReplicaAccess.time(parsed)
        if context.json {
            context.out.json(["resource": .string(r.name), "key": .string(changes.first?.key ?? key),
                              "changes": .array(changes.map { c in
                                  // The writer's time beside at_ms, in the node's zone.
                                  guard var o = c.json.objectValue else { return c.json }
                                  o["at"] = .string(time.rfc3339(milliseconds: c.atMilliseconds))
                                  return .object(o)
                              })])
            return .success
        }
        for c in changes {
            let group = c.group == "_exists" ? "存在 existence" : "\(r.group(c.group)?.label ?? c.group) \(c.group)"
            let from = c.receivedFrom.isEmpty ? "本节点写入 · written here" : "来自 \(c.receivedFrom) · from \(c.receivedFrom)"
            var standing = c.standing == .current ? "有效 · current" : "已被取代 · superseded"
            if c.conflict { standing = "冲突中 · in conflict" }
            context.out.line("\(time.display(milliseconds: c.atMilliseconds))  \(c.writer)（\(c.dot)）  \(group)  [\(standing)]  \(from)")
            for f in c.fields {
                if c.group == "_exists" {
                    context.out.line("    " + (f.after == .bool(true) ? "删除 · deleted" : "新建或恢复 · created or restored"))
                    continue
                }
                let item = r.field(f.name)
                let label = item.map { "\($0.label) \($0.name)" } ?? f.name
                let before = f.before == .null ? "（空 · empty）" : ReplicaAccess.text(f.before, field: item, catalogue: replica.catalogue)
                let after = f.after == .null ? "（空 · empty）" : ReplicaAccess.text(f.after, field: item, catalogue: replica.catalogue)
                context.out.line("    \(label): \(before) → \(after)")
            }
        }
        return .success
    }
}
