import JSON
import Node
import Replica

/// `rootsync audit`: the append-only log of applied batches and operator actions.
struct AuditCommand: Command {
    static let path = ["audit"]
    static let summary = "查看审计日志 · show the audit log"
    static let discussion = """
    审计日志只能追加，不能修改或删除：记录每一批从上下级收到并写入的数据（来自哪条链路、多少版本）
    以及每个操作（解决冲突、签发/兑换/吊销准入凭证）。最新的在前。
    The audit log is append-only: every batch received and applied (which link, how many
    versions) and every operator action (conflict resolution, enrollment tokens issued, redeemed,
    revoked). Newest first.
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("limit", value: "N", help: "最多显示多少条（默认 100）· at most N entries (default 100)"),
        .option("action", value: "ACTION", help: "只显示这种操作，例如 batch_from_child · only this action"),
    ]

    let parsed: ParsedArguments
    let limit: Int
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        guard let n = Int(parsed.value("limit") ?? "100"), (1...1_000_000).contains(n) else {
            throw UsageError("--limit 应为 1 到 1000000 之间的整数", "--limit must be a whole number from 1 to 1000000", command: Self.fullName)
        }
        limit = n
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let entries = try ReplicaAccess.mapped { try replica.auditEntries(limit: limit, action: parsed.value("action")) }
        let time = try ReplicaAccess.time(parsed)
        if context.json {
            for e in entries {
                context.out.json(["id": .int(e.id), "at": .string(time.rfc3339(stored: e.at)), "action": .string(e.action),
                                  "detail": .string(e.detail), "user": .string(e.user)])
            }
            return .success
        }
        if entries.isEmpty {
            context.out.line("审计日志为空 · the audit log is empty")
            return .success
        }
        for e in entries {
            context.out.line("\(time.display(stored: e.at))  \(e.action)  \(e.detail)  (\(e.user))")
        }
        return .success
    }
}
