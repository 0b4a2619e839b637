import JSON
import Node
import Replica
import SQLite

/// `rootsync status`: the local facts of this node's replica.
struct StatusCommand: Command {
    static let path = ["status"]
    static let summary = "查看本节点副本状态 · show this node's replica status"
    static let discussion = """
    显示本节点（代码、名称、层级、上级）、纪元、各类数据的记录数、所存版本数、未解决的冲突数、
    未通过校验的直接写入数，以及本次运行前等待记录的直接写入数。
    Shows this node (code, name, level, parent), its epoch, records per resource, versions held,
    open conflicts, invalid direct writes, and direct writes that were waiting to be versioned.
    --tree：本节点及其下所有节点最近一次上报的状况（每轮同步后随同步上送），超过 --stale-after 秒
    （默认 300）未联系的标 ⚠，拓扑中从未联系的也列出。
    --tree: this node and every node below it as they last reported (sent up after each round),
    marking those not heard from for more than --stale-after seconds (default 300), and listing
    the topology's nodes never heard from.
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .flag("tree", help: "显示整个子树的状况 · show the whole subtree's health"),
        .option("stale-after", value: "SECONDS", help: "与 --tree 一起：超过多少秒未联系算超时（默认 300）· with --tree: seconds without contact before a node is marked (default 300)"),
    ]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let time = try ReplicaAccess.time(parsed)
        if parsed.flag("tree") { return try StatusTree.run(parsed, replica, context, time: time) }
        // Counted before capturing them, which this command then does like every other.
        let (pending, captured, report) = try ReplicaAccess.mapped {
            let pending = try replica.storageCounts().pendingCaptures
            let captured = try replica.captureExternalWrites()
            return (pending, captured, try StatusReport.make(replica, time: time))
        }
        let node = replica.node
        let actor = try ReplicaAccess.mapped { try replica.currentActor() }
        let counts = replica.catalogue.resources.map { r in (r, Int(report["records"]?[r.name]?.int64Value ?? 0)) }
        let versions = report["versions"]?.int64Value ?? 0
        let conflicts = report["open_conflicts"]?.int64Value ?? 0
        let invalid = report["invalid_writes"]?.int64Value ?? 0
        let links = report["links"]?.arrayValue ?? []
        let config = try? NodeCommands.config(parsed)
        let localAPI = config?.localAPIURL
        let plainHTTP: String? = {
            guard let c = config, c.servesPlainHTTPOffLoopback, let listen = c.listen else { return nil }
            return NodeConfig.plainHTTPWarning(host: NodeConfig.host(ofListen: listen))
        }()
        if context.json {
            var o = JSONObject()
            o.append("node", .string(node.code))
            o.append("name", .string(node.name))
            o.append("level", .string(node.level.rawValue))
            o.append("parent", JSONValue(node.parent))
            o.append("replica", .string(replica.path))
            o.append("local_api", JSONValue(localAPI))
            o.append("epoch", .int(actor.epoch))
            o.append("actor", .string(actor.description))
            o.append("catalogue_version", .int(replica.catalogue.version))
            o.append("catalogue", report["catalogue"] ?? .null)
            o.append("records", report["records"] ?? .null)
            o.append("versions", .int(versions))
            o.append("open_conflicts", .int(conflicts))
            o.append("invalid_writes", .int(invalid))
            o.append("pending_captured_writes", .int(pending))
            o.append("captured_now", .int(captured))
            o.append("links", .array(links))
            o.append("sharing", report["sharing"] ?? .null)
            if let plainHTTP { o.append("warnings", .array([.string(plainHTTP)])) }
            context.out.json(.object(o))
            return .success
        }
        let out = context.out
        if let plainHTTP { out.line("WARNING \(plainHTTP)") }
        out.line("节点 node:            \(node.code) \(node.name)")
        out.line("层级 level:           \(node.level.nameZh) \(node.level.rawValue)")
        out.line("上级 parent:          \(node.parent ?? "无 none")")
        out.line("副本 replica:         \(replica.path)")
        out.line("本地接口 local API:   \(localAPI ?? "未启动过 not started yet（首次 serve 时选定端口并记入 node.json · picked and recorded at the first serve）")")
        out.line("纪元 epoch:           \(actor.epoch)（写入者 actor \(actor)）")
        out.line("数据目录 catalogue:   第 \(replica.catalogue.version) 版 version \(replica.catalogue.version)")
        let toReview = Int(report["catalogue"]?["drafts_to_review_here"]?.int64Value ?? 0)
        let flagged = Int(report["catalogue"]?["flagged_values"]?.int64Value ?? 0)
        if toReview > 0 { out.line("  待本节点审核的草案 drafts to review here: \(toReview)  → rootsync catalogue drafts") }
        if flagged > 0 { out.line("  使用已停用代码的值 values with disabled codes: \(flagged)  → rootsync catalogue flagged") }
        out.line("记录数 records:")
        let width = counts.map { ReplicaAccess.displayWidth("\($0.0.label) \($0.0.name)") }.max() ?? 0
        for (r, n) in counts { out.line("  \(ReplicaAccess.pad("\(r.label) \(r.name)", width))  \(n)") }
        out.line("所存版本 versions held:        \(versions)")
        out.line("未解决冲突 open conflicts:     \(conflicts)" + (conflicts > 0 ? "  → rootsync conflicts" : ""))
        out.line("无效直接写入 invalid writes:   \(invalid)" + (invalid > 0 ? "  → rootsync invalid" : ""))
        out.line("待记录直接写入 pending captured writes: \(pending)" + (captured > 0 ? "（本次已记录 \(captured) 条记录 versioned now）" : ""))
        if let sharing = report["sharing"] {
            func ids(_ k: String) -> [String] { sharing[k]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            if let e = sharing["error"] {
                out.line("共享 sharing: 无法判断期限 deadlines unknown: \(e["message_zh"]?.stringValue ?? "") / \(e["message_en"]?.stringValue ?? "")")
            } else {
                out.line("共享 sharing（\(sharing["today"]?.stringValue ?? "")）: 待审批申请 requests pending \(sharing["requests_pending"]?.int64Value ?? 0)，"
                         + "待答复校核 disputes open \(sharing["disputes_open"]?.int64Value ?? 0)")
                let overdue = [("本节点逾期未审批的申请 requests overdue here", ids("requests_overdue_here"), "rootsync share list"),
                               ("本节点逾期未答复的校核 disputes overdue here", ids("disputes_overdue_here"), "rootsync dispute list"),
                               ("所知逾期申请 requests overdue (known)", ids("requests_overdue"), "rootsync share list"),
                               ("所知逾期校核 disputes overdue (known)", ids("disputes_overdue"), "rootsync dispute list"),
                               ("期限超出工作日历 deadlines beyond the calendar", ids("deadlines_unknown"), "rootsync calendar years")]
                for (label, list, next) in overdue where !list.isEmpty {
                    out.line("  逾期 OVERDUE \(label): \(list.joined(separator: ", "))  → \(next)")
                }
            }
        }
        for link in links {
            func text(_ k: String) -> String { link[k]?.stringValue ?? (link[k]?.int64Value.map(String.init) ?? "—") }
            if link["role"] == "parent" {
                out.line("上级链路 parent link \(text("node")):")
                out.line("  最近推送 last push:  \(text("last_push"))    最近拉取 last pull: \(text("last_pull"))")
                out.line("  待推送版本 waiting to push: \(text("versions_waiting_to_push"))（按上次同步时上级已有的计算 as of the last round）")
                if let line = link["pull_progress"]?["line"]?.stringValue { out.line("  正在拉取 pulling now: \(line)") }
                if let e = link["last_error"]?.stringValue { out.line("  最近错误 last error: \(e)") }
            } else {
                out.line("下级 child \(text("node")):  最近联系 last seen \(text("last_seen"))，尚未送达 versions behind \(text("versions_behind"))")
            }
        }
        return .success
    }
}
