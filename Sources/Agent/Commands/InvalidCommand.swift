import JSON
import Node
import Replica

/// `rootsync invalid`: direct SQL writes that failed validation and are not synced.
struct InvalidCommand: Command {
    static let path = ["invalid"]
    static let summary = "列出未通过校验的直接写入 · list invalid direct writes"
    static let discussion = """
    其他程序直接写入副本数据表的内容会被自动记录为版本；未通过校验的不会同步，列在这里，直到被改正。
    Writes made by other programs straight into the replica's tables are versioned automatically;
    those that fail validation are not synced and are listed here until corrected.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let writes = try ReplicaAccess.mapped { try replica.invalidWrites() }
        let time = try ReplicaAccess.time(parsed)
        if context.json {
            for w in writes {
                var o = JSONObject()
                o.append("resource", .string(w.resource))
                o.append("key", .string(w.key))
                o.append("at_ms", .int(w.atMilliseconds))
                o.append("time", .string(time.rfc3339(milliseconds: w.atMilliseconds)))
                o.append("row", w.row)
                o.append("problems", .array(w.problems.map(ReplicaAccess.issueJSON)))
                context.out.json(.object(o))
            }
            return .success
        }
        if writes.isEmpty {
            context.out.line("没有未通过校验的直接写入 · no invalid direct writes")
            return .success
        }
        for w in writes {
            let r = replica.catalogue.resource(w.resource)
            context.out.line("\(r?.label ?? w.resource) \(w.resource) \(w.key)  （\(time.display(milliseconds: w.atMilliseconds))）")
            for p in w.problems {
                let label = r?.field(p.field).map { "\($0.label)（\(p.field)）" } ?? p.field
                context.out.line("  - \(label.isEmpty ? "" : label + "：")\(p.messageZh)")
                context.out.line("    \(p.field.isEmpty ? "" : p.field + ": ")\(p.messageEn) [\(p.rule)]")
            }
        }
        context.out.line("共 \(writes.count) 条，未同步，改正后自动恢复 · \(writes.count) invalid write(s), not synced until corrected")
        return .success
    }
}
