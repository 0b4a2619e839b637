import Node
import JSON
import Replica

/// `rootsync delete`: a versioned deletion (tombstone), propagated like any other write.
struct DeleteCommand: Command {
    static let path = ["delete"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "删除一条记录 · delete one record"
    static let discussion = """
    删除记录：删除本身也是一个版本，会同步到其他节点，历史版本保留。记录不存在时退出码为 3。
    Deletes a record: the deletion is itself a version, synced to other nodes; the history is kept.
    Exit code 3 when the record does not exist.
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
        try ReplicaAccess.mapped(resource: r) { try replica.delete(r.name, key: key) }
        if context.json {
            context.out.json(["resource": .string(r.name), "key": .string(key), "deleted": true])
        } else {
            context.out.line("已删除 deleted \(r.label) \(key)")
        }
        return .success
    }
}
