import Foundation
import JSON
import Node
import Replica

/// `rootsync backup --to FILE`: an online backup of the node's replica.
struct BackupCommand: Command {
    static let path = ["backup"]
    static let summary = "在线备份本节点的副本 · back up this node's replica while it runs"
    static let discussion = """
    把副本的一致快照写入新文件 FILE（SQLite 的 VACUUM INTO）：代理运行时也可以备份，不影响同步；
    不会覆盖已有文件；备份文件只有所有者可读（含个人信息和凭据散列）。用 rootsync restore 恢复，
    不要手工复制文件。
    Writes a consistent snapshot of the replica to the new file FILE (SQLite's VACUUM INTO),
    also while the agent runs; never overwrites a file; the backup is readable by its owner only
    (it holds personal data and credential hashes). Restore it with rootsync restore, never by
    copying files by hand.

    例 Example:  rootsync backup --to /backup/replica-$(date +%F).sqlite --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("to", value: "FILE", help: "备份文件（必须尚不存在）· the backup file (must not exist yet)"),
    ]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let target = URL(fileURLWithPath: try parsed.required("to")).standardizedFileURL.path
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let info = try Self.mapped { try replica.backup(to: target) }
        let time = try ReplicaAccess.time(parsed)
        let now = time.rfc3339(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        if context.json {
            context.out.json(["backup": .string(info.path), "node": .string(info.node), "epoch": .int(info.epoch),
                              "catalogue_version": .int(info.catalogueVersion), "bytes": .int(Int(info.bytes)), "at": .string(now)])
        } else {
            context.out.line("已备份节点 \(info.node)（纪元 \(info.epoch)，\(info.bytes) 字节）到 \(info.path)")
            context.out.line("backed up node \(info.node) (epoch \(info.epoch), \(info.bytes) bytes) to \(info.path) at \(time.display(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))")
        }
        return .success
    }

    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try ReplicaAccess.mapped(body) } catch let e as BackupError {
            throw CommandError(e.messageZh, e.description)
        }
    }
}
