import Node
import Causality
import JSON
import Replica

/// `rootsync resolve`: ends an open conflict by taking one version or giving new values.
struct ResolveCommand: Command {
    static let path = ["resolve"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "解决冲突 · resolve a conflict"
    static let discussion = """
    --take 采用冲突中的一个版本（版本号见 rootsync conflicts，例如 150603002001:1#7）；--data 给出该字段组的
    新值（JSON 对象，只能包含该字段组的字段）。落选的版本保留在历史中。
    --take keeps one of the competing versions (see rootsync conflicts, e.g. 150603002001:1#7);
    --data gives new values for the group (a JSON object with that group's fields only). The losing
    versions stay in the history.

    例 Example:  rootsync resolve person/150603199001010012/contact --take 150603002001:1#7
    """
    static let arguments = [ArgumentSpec("CONFLICT", help: "冲突编号 资源/主键/字段组 · conflict id resource/key/group")]
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("take", value: "VERSION", help: "采用的版本号 · the version to keep (actor#seq)"),
        .option("data", value: "JSON", help: "该字段组的新值 · new values for the group"),
    ]

    let parsed: ParsedArguments
    let conflictID: String

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        conflictID = try parsed.required(argument: 0, "CONFLICT")
        switch (parsed.value("take"), parsed.value("data")) {
        case (nil, nil): throw UsageError("需要 --take 或 --data", "--take or --data is required", command: parsed.commandName)
        case (.some, .some): throw UsageError("--take 和 --data 只能给一个", "give either --take or --data, not both", command: parsed.commandName)
        default: break
        }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let data = try parsed.value("data").map { try ReplicaAccess.object($0, option: "data") }
        let take = parsed.value("take")
        let replica = try ReplicaAccess.open(parsed)
        let open = try ReplicaAccess.mapped { try replica.conflicts() }
        guard let conflict = open.first(where: { $0.id == conflictID }) else {
            let list = open.map(\.id)
            throw CommandError(
                "没有这个未解决的冲突：\(conflictID)" + (list.isEmpty ? "（当前没有冲突）" : "。当前的冲突：\n" + list.map { "  \($0)" }.joined(separator: "\n")),
                "no open conflict \(conflictID)" + (list.isEmpty ? " (there are none)" : "; open conflicts: " + list.joined(separator: ", ")),
                details: JSONObject([("open_conflicts", .array(list.map { .string($0) }))]), hint: "rootsync conflicts")
        }
        let r = try ReplicaAccess.resource(replica, conflict.resource)
        if let take, !conflict.versions.contains(where: { $0.dot.description == take }) {
            let dots = conflict.versions.map(\.dot.description)
            throw CommandError("冲突 \(conflictID) 中没有版本 \(take)。可选的版本：\(dots.joined(separator: "、"))",
                               "version \(take) is not part of conflict \(conflictID); its versions: \(dots.joined(separator: ", "))",
                               details: JSONObject([("versions", .array(dots.map { .string($0) }))]), hint: "rootsync conflicts")
        }
        if let data {
            // Replica.resolve keeps only the group's fields: refuse others rather than drop them silently.
            let allowed: [String]
            if conflict.group == GroupVersion.existence {
                allowed = ["deleted"]
                if data["deleted"]?.boolValue == nil {
                    throw CommandError("删除冲突需要 --data '{\"deleted\": true}' 或 '{\"deleted\": false}'",
                                       "a delete conflict needs --data '{\"deleted\": true}' or '{\"deleted\": false}'")
                }
            } else {
                allowed = r.group(conflict.group)?.fields ?? []
            }
            let extra = data.keys.filter { !allowed.contains($0) }
            if !extra.isEmpty {
                throw CommandError("字段组 \(conflict.group) 只有这些字段：\(allowed.joined(separator: "、"))；不能给 \(extra.joined(separator: "、"))",
                                   "group \(conflict.group) has only the fields \(allowed.joined(separator: ", ")); cannot set \(extra.joined(separator: ", "))")
            }
        }
        try ReplicaAccess.mapped(resource: r) { try replica.resolve(conflictID, take: take, data: data) }
        let stillOpen = try ReplicaAccess.mapped { try replica.conflicts() }.contains { $0.id == conflictID }
        if context.json {
            var o = JSONObject()
            o.append("conflict", .string(conflictID))
            o.append("resolved", .bool(!stillOpen))
            o.append("take", JSONValue(take))
            if let data { o.append("data", .object(data)) }
            context.out.json(.object(o))
        } else {
            let how = take.map { "采用版本 took version \($0)" } ?? "写入新值 wrote new values"
            context.out.line("已解决冲突 resolved \(conflictID)：\(how)")
            if stillOpen { context.out.line("⚠ 冲突仍未消除 the conflict is still open") }
        }
        return .success
    }
}
