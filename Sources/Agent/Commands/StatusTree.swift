import Foundation
import JSON
import Node
import Replica
import Standards
import Sync

/// `rootsync status --tree`: this node and every node below it, as they last reported, marking
/// those not heard from for longer than `--stale-after` seconds (and those of the topology never
/// heard from at all).
enum StatusTree {
    static func run(_ parsed: ParsedArguments, _ replica: Replica, _ context: CommandContext, time: NodeTime) throws -> ExitCode {
        var staleAfter = SubtreeView.defaultStaleAfter
        if let given = parsed.value("stale-after") {
            guard let n = Int(given), (1...31_536_000).contains(n) else {
                throw UsageError("--stale-after 应为 1 到 31536000 之间的秒数", "--stale-after must be seconds from 1 to 31536000", command: "rootsync status")
            }
            staleAfter = n
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let own = try ReplicaAccess.mapped { try SubtreeView.own(replica, now: now) }
        let below = SubtreeHealthStore(directory: ReplicaAccess.directory(parsed)).load()
        var names: [String: String] = [:]
        var expected: [String] = []
        if let path = ReplicaAccess.nodeFile(parsed)?["topology"]?.stringValue, let topology = try? Topology.load(path: path) {
            let prefix = DivisionCode.subtreePrefix(own.node)
            for n in topology.nodes {
                names[n.code] = n.name
                if n.code != own.node && n.code.hasPrefix(prefix) { expected.append(n.code) }
            }
        }
        let tree = SubtreeView.json(own: own, below: below, expected: expected, names: names, now: now, staleAfter: staleAfter, time: time)
        if context.json {
            context.out.json(tree)
            return .success
        }
        let known = tree["nodes_known"]?.int64Value ?? 0, stale = tree["nodes_stale"]?.int64Value ?? 0
        context.out.line("节点 \(own.node) 的子树：已知 \(known) 个节点，\(stale) 个超过 \(staleAfter) 秒未联系（标 ⚠）")
        context.out.line("subtree of \(own.node): \(known) nodes known, \(stale) not heard from for more than \(staleAfter) s (marked ⚠)")
        let levels = DivisionLevel.allCases
        let base = own.level.flatMap { levels.firstIndex(of: $0) } ?? 0
        for entry in tree["nodes"]?.arrayValue ?? [] {
            let code = entry["node"]?.stringValue ?? ""
            let depth = DivisionCode.level(ofShape: code).flatMap { levels.firstIndex(of: $0) }.map { max($0 - base, 0) } ?? 0
            let indent = String(repeating: "  ", count: depth)
            let mark = entry["stale"] == .bool(true) ? "⚠ " : ""
            let name = entry["name"]?.stringValue.map { " \($0)" } ?? ""
            if entry["never_heard"] == .bool(true) {
                context.out.line("\(indent)\(mark)\(code)\(name)  从未联系 never heard from")
                continue
            }
            let heard: String
            if code == own.node {
                heard = "本节点 this node"
            } else if let ago = entry["heard_seconds_ago"]?.int64Value, let at = entry["heard"]?.stringValue, let ms = NodeTime.milliseconds(stored: at) {
                heard = "最近联系 heard \(time.display(milliseconds: ms))（\(ago) 秒前 s ago）"
            } else {
                heard = "未联系 not heard"
            }
            func n(_ k: String) -> String { entry[k]?.int64Value.map(String.init) ?? "—" }
            context.out.line("\(indent)\(mark)\(code)\(name)  \(heard)  待上送 up \(n("waiting_up"))  最大待下发 backlog \(n("worst_child_backlog"))"
                             + "  冲突 conflicts \(n("open_conflicts"))  无效 invalid \(n("invalid_writes"))  记录 records \(n("records"))"
                             + "  目录 catalogue \(n("catalogue_version"))  版本 agent \(entry["agent_version"]?.stringValue ?? "—")")
        }
        return .success
    }
}
