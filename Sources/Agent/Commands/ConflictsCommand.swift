import Catalogue
import Causality
import Foundation
import JSON
import Node
import Replica
import Sync

/// `rootsync conflicts`: open conflicts with every competing version.
struct ConflictsCommand: Command {
    static let path = ["conflicts"]
    static let summary = "列出未解决的冲突 · list open conflicts"
    static let discussion = """
    列出每个未解决的冲突（编号 资源/主键/字段组）和全部竞争版本：版本号（写入者#序号）、写入节点及其层级、
    时间（本地时间）、值；第一个版本是当前显示的版本。用 rootsync resolve 编号 --take 版本号 解决。
    --json 时每个冲突输出一个 JSON 对象。
    Lists each open conflict (id resource/key/group) with every competing version: the version
    (actor#seq), writer node and its level, time (local), values; the first is the one currently
    visible. Resolve with rootsync resolve ID --take VERSION. With --json, one object per conflict.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let conflicts = try ReplicaAccess.mapped { try replica.conflicts() }
        let names = Self.nodeNames(parsed)
        let time = try ReplicaAccess.time(parsed)
        if context.json {
            for c in conflicts { context.out.json(Self.json(c, replica.catalogue, names, time)) }
            return .success
        }
        if conflicts.isEmpty {
            context.out.line("没有未解决的冲突 · no open conflicts")
            return .success
        }
        for (i, c) in conflicts.enumerated() {
            if i > 0 { context.out.line() }
            let r = replica.catalogue.resource(c.resource)
            context.out.line("冲突 conflict \(c.id)")
            context.out.line("  \(r?.label ?? c.resource) \(c.key) · 字段组 group: \(Self.groupLabel(c.group, r))")
            let authority = c.group == GroupVersion.existence ? r?.existenceAuthority : r?.group(c.group)?.authority
            if let authority {
                context.out.line("  权威来源 authority: \(authority.nameZh) \(authority.rawValue)")
            }
            for (j, v) in c.versions.enumerated() {
                let writer = v.dot.actor.node
                let who = names[writer].map { "\(writer) \($0)" } ?? writer
                context.out.line("  \(j == 0 ? "▶ 当前显示 visible" : "  竞争版本 competing") \(v.dot)")
                context.out.line("      写入节点 writer: \(who) · \(v.dot.actor.level.nameZh) \(v.dot.actor.level.rawValue)")
                context.out.line("      时间 time:      \(time.display(hlc: v.hlc))")
                if v.group != c.group { context.out.line("      字段组 group:   \(Self.groupLabel(v.group, r))") }
                context.out.line("      值 values:      \(Self.valuesText(v, r, replica.catalogue))")
            }
        }
        context.out.line()
        context.out.line("共 \(conflicts.count) 个冲突。解决：rootsync resolve 冲突编号 --take 版本号（或 --data '{…}'）")
        context.out.line("\(conflicts.count) open conflict(s). Resolve: rootsync resolve CONFLICT --take VERSION (or --data '{…}')")
        return .success
    }

    static func groupLabel(_ group: String, _ r: Resource?) -> String {
        if group == GroupVersion.existence { return "存在与删除 \(group)" }
        return r?.group(group).map { "\($0.label) \(group)" } ?? group
    }

    static func valuesText(_ v: GroupVersion, _ r: Resource?, _ catalogue: Catalogue) -> String {
        if v.isExistence { return v.isDelete ? "已删除 deleted" : "存在 exists" }
        return v.values.map { k, value in
            let f = r?.field(k)
            return "\(f?.label ?? k)=\(ReplicaAccess.text(value, field: f, catalogue: catalogue))"
        }.joined(separator: "，")
    }

    static func json(_ c: Conflict, _ catalogue: Catalogue, _ names: [String: String], _ time: NodeTime) -> JSONValue {
        var o = JSONObject()
        o.append("conflict", .string(c.id))
        o.append("resource", .string(c.resource))
        o.append("key", .string(c.key))
        o.append("group", .string(c.group))
        o.append("versions", .array(c.versions.enumerated().map { i, v in
            var e = JSONObject()
            e.append("version", .string(v.dot.description))
            e.append("group", .string(v.group))
            e.append("writer", .string(v.dot.actor.node))
            if let name = names[v.dot.actor.node] { e.append("writer_name", .string(name)) }
            e.append("writer_level", .string(v.dot.actor.level.rawValue))
            e.append("hlc", .int(v.hlc))
            e.append("time", .string(time.rfc3339(hlc: v.hlc)))
            e.append("values", .object(v.values))
            e.append("visible", .bool(i == 0))
            return .object(e)
        }))
        return .object(o)
    }

    /// Node names from the topology named in node.json, when it can be read.
    static func nodeNames(_ parsed: ParsedArguments) -> [String: String] {
        guard let path = ReplicaAccess.nodeFile(parsed)?["topology"]?.stringValue,
              let topology = try? Topology.load(path: path) else { return [:] }
        return Dictionary(topology.nodes.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
    }
}
