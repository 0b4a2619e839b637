import Causality
import JSON
import Replica

/// `rootsync versions`: the versions a replica holds, in the wire's JSON (a push or pull body), for
/// people who debug a link by hand. Storage v2 keeps versions in a binary form, so this replaces
/// reading `_rs_version` with the `sqlite3` shell.
struct VersionsCommand: Command {
    static let path = ["versions"]
    static let summary = "以同步报文格式列出版本 · the versions held, as the wire's JSON"
    static let discussion = """
    输出 {"versions": [...]}，与同步接口的推送/拉取报文格式相同（见 docs/PROTOCOL.md）：给出数据种类和主键时
    只列这条记录的版本，否则按到达顺序列出本节点持有的全部版本（逐页读取，内存占用不随数量增长）。
    Prints {"versions": [...]}, the body of a push or a pull (docs/PROTOCOL.md): the versions of one
    record when RESOURCE and KEY are given, else every version held, in arrival order (read page by
    page: memory does not grow with the replica).

    例 Example:  rootsync versions person 150603199001010012 --dir /srv/rootsync
    """
    static let arguments = [
        ArgumentSpec("RESOURCE", help: "数据种类 · resource name", optional: true),
        ArgumentSpec("KEY", help: "主键 · the record's key", optional: true),
    ]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        if parsed.positional(0) != nil && parsed.positional(1) == nil {
            throw UsageError("给出数据种类时也要给出主键", "give KEY together with RESOURCE", command: Self.fullName)
        }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        var record: [GroupVersion]?
        if let resourceName = parsed.positional(0), let key = parsed.positional(1) {
            let r = try ReplicaAccess.resource(replica, resourceName)
            guard let held = try ReplicaAccess.mapped(resource: r, { try replica.heldVersions(r.name, key: key) }) else {
                throw CommandError("本节点没有\(r.label) \(key) 的任何版本", "no version of \(r.name) \(key) is held here", exitCode: .notFound)
            }
            record = held.map(\.version)
        }
        context.out.write("{\"versions\":[")
        var first = true
        func emit(_ v: GroupVersion) {
            context.out.write((first ? "" : ",") + v.json.text)
            first = false
        }
        if let record {
            record.forEach(emit)
        } else {
            var position: Int64 = 0
            while true {
                let page = try ReplicaAccess.mapped { try replica.feed(after: position, limit: 1000) }
                guard let last = page.last else { break }
                for item in page { emit(item.version) }
                position = last.position
            }
        }
        context.out.line("]}")
        return .success
    }
}
