import Foundation
import JSON
import Node
import Replica
import Sharing
import Standards

/// `rootsync share request`: a consumer's data request (数据需求申请).
struct ShareRequestCommand: Command {
    static let path = ["share", "request"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "为使用方申请共享数据 · request data for a consumer"
    static let discussion = """
    为本节点登记的使用方申请某资源的数据项、辖区（本节点或其下级的区划代码）、用途和截止日期。
    无条件共享（数据目录未写共享条件）的资源即时授权；有条件共享的资源随同步送到提供方所在节点，
    由其数据管理员在 5 个工作日内审批；不予共享的资源不能申请。
    Requests items of a resource for a consumer registered here, for a jurisdiction at or below
    this node, a purpose and an end date. 无条件共享 resources without a 共享条件 are granted at
    once; 有条件共享 ones travel to the provider's node, whose data administrator answers within
    5 working days; 不予共享 ones cannot be requested.
    用途 purposes: 行政依据 administrative_basis, 工作参考 work_reference（身份证号、电话脱敏 masked）,
    数据校核 data_check, 业务协同 business_collaboration.

    例 Example: rootsync share request --consumer 民政局婚姻登记系统 --resource person --items id_number,name,sex \\
                --jurisdiction 150603 --purpose 行政依据 --until 2026-12-31 --dir /var/lib/rootsync --json
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
        .option("consumer", value: "NAME", help: "本节点登记的使用方 · a consumer registered here"),
        .option("resource", value: "R", help: "资源名 · the resource"),
        .option("items", value: "a,b,c", help: "数据项，逗号分隔 · data items, comma-separated"),
        .option("jurisdiction", value: "CODE", help: "辖区区划代码（本节点或其下级）· the subtree, at or below this node"),
        .option("purpose", value: "P", help: "用途 · purpose: \(SharePurpose.choices)"),
        .option("until", value: "YYYY-MM-DD", help: "授权截止日期（含）· the last day of the grant"),
    ]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let consumer = try parsed.required("consumer"), resource = try parsed.required("resource")
        let items = ShareAccess.items(try parsed.required("items")), jurisdiction = try parsed.required("jurisdiction")
        let purpose = try ShareAccess.mapped { try NodeServer.purpose(try parsed.required("purpose")) }
        let until = try ShareAccess.mapped { try NodeServer.date(try parsed.required("until")) }
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let state = try ShareAccess.mapped {
            try replica.requestShare(consumer: consumer, resource: resource, items: items, jurisdiction: jurisdiction, purpose: purpose,
                                     until: until, operator: who, today: c.today)
        }
        if context.json { context.out.json(ShareViews.request(state, c)) } else { ShareAccess.printRequest(state, c, context.out) }
        return .success
    }
}

/// `rootsync share approve|reject ID`: the provider's data administrator decides.
struct ShareDecideCommand: Command {
    static let path = ["share", "approve"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "数据管理员批准申请 · approve a data request (data administrator)"
    static let discussion = """
    在提供方所在节点，由具有数据管理员角色（rootsync catalogue grant --role data_admin）的操作员批准。
    决定随同步回到申请节点，使用方随即可用数据共享接口读取。
    At the provider's node, by an operator with the data_admin role. The decision travels back to
    the requesting node, where the consumer can then read the feed.
    """
    static let arguments = [ArgumentSpec("ID", help: "申请编号 · the request's id")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
                                        .option("basis", value: "TEXT", help: "依据（驳回时必填）· the basis (required to reject)")]
    static var approve: Bool { true }
    let parsed: ParsedArguments
    let id: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        id = try parsed.required(argument: 0, "ID")
    }

    func run(_ context: CommandContext) throws -> ExitCode { try Self.decide(parsed, id: id, approve: Self.approve, context) }

    static func decide(_ parsed: ParsedArguments, id: String, approve: Bool, _ context: CommandContext) throws -> ExitCode {
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let state = try ShareAccess.mapped { try replica.decideShare(id, approve: approve, basis: parsed.value("basis"), operator: who) }
        if context.json { context.out.json(ShareViews.request(state, c)) } else { ShareAccess.printRequest(state, c, context.out) }
        return .success
    }
}

struct ShareRejectCommand: Command {
    static let path = ["share", "reject"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "数据管理员驳回申请（须写明依据）· reject a data request, citing its basis"
    static let discussion = """
    提供方无法律依据不得拒绝共享：驳回必须用 --basis 写明依据，依据随同步回到申请节点。
    A provider may not refuse without a legal basis: --basis is required and travels back.
    """
    static let arguments = ShareDecideCommand.arguments
    static let options = ShareDecideCommand.options
    let parsed: ParsedArguments
    let id: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        id = try parsed.required(argument: 0, "ID")
    }

    func run(_ context: CommandContext) throws -> ExitCode { try ShareDecideCommand.decide(parsed, id: id, approve: false, context) }
}

/// `rootsync share revoke ID`: withdraws a grant; the feed stops.
struct ShareRevokeCommand: Command {
    static let path = ["share", "revoke"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "撤销授权 · revoke a grant"
    static let discussion = """
    在申请节点，或由提供方节点的数据管理员撤销。申请节点的数据共享接口随即（提供方撤销时在同步到达后）停止。
    At the requesting node, or by the data administrator at the provider's node. The feed stops at
    once at the requesting node (after the revocation arrives there, when the provider revokes).
    """
    static let arguments = ShareDecideCommand.arguments
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
                                        .option("basis", value: "TEXT", help: "理由 · the reason")]
    let parsed: ParsedArguments
    let id: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        id = try parsed.required(argument: 0, "ID")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let state = try ShareAccess.mapped { try replica.revokeShare(id, reason: parsed.value("basis"), operator: who) }
        if context.json { context.out.json(ShareViews.request(state, c)) } else { ShareAccess.printRequest(state, c, context.out) }
        return .success
    }
}

/// `rootsync share rate ID`: 数据使用评价.
struct ShareRateCommand: Command {
    static let path = ["share", "rate"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "评价授权数据的质量和提供方响应 · rate a grant's data quality and the provider's responsiveness"
    static let discussion = """
    在申请节点为使用方录入评价：数据质量和响应速度各 1–5 分，可附说明。评价随同步上报到市，计入年度考核。
    Recorded at the requesting node for its consumer: quality and responsiveness 1–5 each, with a
    comment. Ratings travel up to the city and count in the yearly review (rootsync share figures).
    """
    static let arguments = ShareDecideCommand.arguments
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
                                        .option("quality", value: "1-5", help: "数据质量 · data quality"),
                                        .option("responsiveness", value: "1-5", help: "响应速度 · the provider's responsiveness"),
                                        .option("comment", value: "TEXT", help: "说明 · comment")]
    let parsed: ParsedArguments
    let id: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        id = try parsed.required(argument: 0, "ID")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        guard let q = Int(try parsed.required("quality")), let r = Int(try parsed.required("responsiveness")) else {
            throw UsageError("--quality 和 --responsiveness 应为 1 到 5 的整数", "--quality and --responsiveness must be whole numbers from 1 to 5", command: parsed.commandName)
        }
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let state = try ShareAccess.mapped { try replica.rateShare(id, quality: q, responsiveness: r, comment: parsed.value("comment"), operator: who) }
        if context.json { context.out.json(ShareViews.request(state, c)) } else { ShareAccess.printRequest(state, c, context.out) }
        return .success
    }
}

/// `rootsync share list`: every request this node knows and where it stands.
struct ShareListCommand: Command {
    static let path = ["share", "list"]
    static let summary = "列出数据需求申请和授权 · list data requests and grants"
    static let discussion = """
    列出本节点知道的申请：本节点及下级提出的、由本节点审批的。显示状态、审批节点、答复期限和是否逾期。
    --json 每个申请输出一行 JSON（含 id 和 state）。
    Lists the requests this node knows: made here or below, or decided here, with their state,
    deciding node, due date and whether it has passed. With --json, one object per line.
    """
    static let arguments = [ArgumentSpec("ID", help: "只看这个申请 · only this request", optional: true)]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let states = try ShareAccess.mapped { () -> [RequestState] in
            if let id = parsed.positional(0) { return [try replica.shareRequest(id)] }
            return try replica.shareRequests()
        }
        CatalogueAccess.emit(states, context, empty: "本节点没有数据需求申请 · no data requests at this node",
                             json: { ShareViews.request($0, c) }, text: { ShareAccess.printRequest($0, c, context.out) })
        return .success
    }
}

/// `rootsync share figures`: the city's per-provider figures for the yearly review.
struct ShareFiguresCommand: Command {
    static let path = ["share", "figures"]
    static let summary = "按提供方和资源统计共享情况（评价、答复时间、逾期）· sharing figures per provider and resource"
    static let discussion = """
    按提供方和资源统计本节点知道的申请和校核：数量、审批结果、平均答复工作日、逾期和超期答复、评价平均分。
    市节点知道全部申请和校核，其统计用于年度考核。
    Per provider and resource, from what this node knows (the city knows everything): requests and
    their decisions, mean answer time in working days, overdue and late answers, disputes, ratings.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = try ShareAccess.context(replica)
        let figures = try ShareAccess.mapped {
            ShareFigures(requests: try replica.shareRequests(), disputes: try replica.disputes(), catalogue: replica.catalogue,
                         calendar: c.calendar, zone: c.zone, today: c.today)
        }
        CatalogueAccess.emit(figures.rows, context, empty: "没有共享记录 · nothing shared yet", json: { $0.json }, text: { row in
            let j = row.json
            func v(_ k: String) -> String { j[k].map { $0.stringValue ?? $0.text } ?? "" }
            context.out.line("\(row.provider) · \(row.resource)")
            context.out.line("  申请 requests \(row.requests)（批准 granted \(row.granted)，驳回 rejected \(row.rejected)，待审 pending \(row.pending)，撤销 revoked \(row.revoked)）"
                             + " · 逾期 overdue \(row.requestsOverdue) · 超期答复 late \(row.requestsLate) · 平均答复 mean answer \(v("request_answer_working_days_mean")) 工作日 working days")
            context.out.line("  校核 disputes \(row.disputes)（待答复 open \(row.disputesOpen)，更正 corrected \(row.disputesCorrected)，驳回 rejected \(row.disputesRejected)）"
                             + " · 逾期 overdue \(row.disputesOverdue) · 超期答复 late \(row.disputesLate) · 平均答复 mean answer \(v("dispute_answer_working_days_mean")) 工作日")
            context.out.line("  评价 ratings \(row.ratings.count) · 质量 quality \(v("quality_mean")) · 响应 responsiveness \(v("responsiveness_mean"))")
        })
        return .success
    }
}
