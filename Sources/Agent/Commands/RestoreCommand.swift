import Foundation
import JSON
import Node
import Replica

/// `rootsync restore --from FILE`: puts a backup in place, following the epoch rules.
struct RestoreCommand: Command {
    static let path = ["restore"]
    static let summary = "从备份恢复本节点的副本（新纪元）· restore this node's replica from a backup (new epoch)"
    static let discussion = """
    用 rootsync backup 做的备份（或其他 SQLite 备份）替换本节点的副本。代理必须先停止（运行中的代理会被拒绝，
    并给出其进程号）。备份必须是本节点的。恢复后的副本立即开始新的纪元和新的数据库标识，就像被回滚的副本一样：
    计数器绝不重复使用，上级和下级在下一轮把备份之后写入的数据送回来。被替换的副本保留在
    replica.sqlite.before-restore-时间 中，确认无误后可以删除。
    Replaces this node's replica with a backup made by rootsync backup (or another SQLite
    backup). The agent must be stopped first (a running one is refused, naming its PID). The
    backup must be of this node. The restored replica starts a new epoch and a new database id
    at once, as a rolled-back one does: no counter is ever reused, and the parent and the
    children send back what was written after the backup at the next round. The replaced replica
    is kept as replica.sqlite.before-restore-TIME; delete it once all is well.

    例 Example:  rootsync restore --from /backup/replica-2026-05-01.sqlite --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("from", value: "FILE", help: "备份文件 · the backup file"),
    ]
    /// The agent slot: no agent may run while the file is replaced (the writer slot is taken in run).
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .agent }

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let source = URL(fileURLWithPath: try parsed.required("from")).standardizedFileURL.path
        let dir = ReplicaAccess.directory(parsed)
        let config = try NodeCommands.config(parsed)
        let time = try ReplicaAccess.time(parsed)
        // No writing command either (office programs writing to the file directly are the
        // operator's to stop, as for any restore).
        let writer = try ReplicaAccess.lock(directory: dir, .writer)
        defer { writer.release() }
        let restored = try BackupCommand.mapped {
            try Replica.restore(from: source, to: config.replicaPath, node: config.node, divisions: try StandardsData.divisions())
        }
        if context.json {
            context.out.json(["restored": .string(config.replicaPath), "from": .string(source), "node": .string(config.node),
                              "backup_epoch": .int(restored.backup.epoch), "previous_epoch": .int(restored.previousEpoch),
                              "epoch": .int(restored.epoch), "previous_file": .string(restored.previousFile),
                              "at": .string(time.rfc3339(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))])
        } else {
            context.out.line("已从 \(source) 恢复节点 \(config.node) 的副本：新纪元 \(restored.epoch)（备份时为 \(restored.backup.epoch)，恢复前为 \(restored.previousEpoch)），新的数据库标识")
            context.out.line("restored node \(config.node) from \(source): new epoch \(restored.epoch) (backup \(restored.backup.epoch), before \(restored.previousEpoch)), new database id")
            context.out.line("被替换的副本保留在 the replaced replica is kept in \(restored.previousFile)")
            context.out.line("启动代理后，上下级会送回备份之后写入的数据 · start the agent: parent and children send back what was written after the backup")
        }
        return .success
    }
}
