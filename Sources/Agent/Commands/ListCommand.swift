import Catalogue
import JSON
import Replica

/// `rootsync list`: every visible record of a resource, streamed.
struct ListCommand: Command {
    static let path = ["list"]
    static let summary = "列出记录 · list records"
    static let discussion = """
    按主键顺序列出一种数据的全部记录：每行主键、名称和所属区划；有未解决冲突的记录标有 ⚠。
    --json 时每行输出一个 JSON 对象（JSON Lines），有冲突的记录带 "_conflict": true。
    Lists every record of a resource in key order: key, name and scope per line; records with an
    open conflict are marked ⚠. With --json prints one JSON object per line (JSON Lines); records
    with an open conflict carry "_conflict": true.
    """
    static let arguments = [ArgumentSpec("RESOURCE", help: "数据种类 · resource name")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let resourceName: String

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        resourceName = try parsed.required(argument: 0, "RESOURCE")
    }

    /// The field that names a record for people.
    static func nameField(_ r: Resource) -> DataItem? {
        for candidate in ["name", "address", "location", "description"] {
            if let f = r.field(candidate) { return f }
        }
        return r.fields.first { $0.name != r.key && $0.name != r.scope && $0.kind == .value }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let r = try ReplicaAccess.resource(replica, resourceName)
        if context.json {
            try ReplicaAccess.mapped(resource: r) { try replica.list(r.name) { context.out.json(.object($0)) } }
            return .success
        }
        let keyField = r.field(r.key)
        let nameField = Self.nameField(r)
        let scopeField = r.field(r.scope)
        let keyWidth = max(min(keyField?.format.maxLength ?? 18, 32), ReplicaAccess.displayWidth(keyField?.label ?? r.key))
        let nameWidth = 24
        let header = ReplicaAccess.pad(keyField?.label ?? r.key, keyWidth) + "  "
            + ReplicaAccess.pad(nameField?.label ?? "", nameWidth) + "  " + (scopeField?.label ?? r.scope)
        context.out.line(header)
        var count = 0, conflicted = 0
        try ReplicaAccess.mapped(resource: r) {
            try replica.list(r.name) { record in
                count += 1
                let key = record[r.key]?.stringValue ?? ""
                let name = nameField.map { ReplicaAccess.text(record[$0.name] ?? .null, field: $0) } ?? ""
                let scope = record[r.scope]?.stringValue ?? ""
                var line = ReplicaAccess.pad(key, keyWidth) + "  " + ReplicaAccess.pad(name, nameWidth) + "  " + scope
                if record["_conflict"] == .bool(true) {
                    line += "  ⚠ 冲突 conflict"
                    conflicted += 1
                }
                context.out.line(line)
            }
        }
        context.out.line("共 \(count) 条\(r.label)记录\(conflicted > 0 ? "，其中 \(conflicted) 条有冲突" : "") · \(count) \(r.name) records"
                         + (conflicted > 0 ? ", \(conflicted) with open conflicts" : ""))
        return .success
    }
}
