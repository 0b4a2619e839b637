import Catalogue
import Foundation
import JSON
import Node
import Replica

/// What the `rootsync catalogue …` commands share.
enum CatalogueAccess {
    static let operatorOption = OptionSpec.option("operator", value: "NAME",
        help: "操作员姓名（记录在流程和审计中），默认 $ROOTSYNC_OPERATOR 或系统用户 · the operator's name (recorded), default $ROOTSYNC_OPERATOR or the system user")

    static func operatorName(_ parsed: ParsedArguments) throws -> String {
        let env = ProcessInfo.processInfo.environment
        guard let name = parsed.value("operator") ?? env["ROOTSYNC_OPERATOR"] ?? env["USER"], !name.isEmpty else {
            throw UsageError("需要 --operator 操作员姓名", "--operator NAME is required", command: parsed.commandName)
        }
        return name
    }

    /// One JSON line per item with --json, else the text form (or `empty` when there is nothing).
    static func emit<T>(_ items: [T], _ context: CommandContext, empty: String, json: (T) -> JSONValue, text: (T) -> Void) {
        if context.json {
            for item in items { context.out.json(json(item)) }
        } else if items.isEmpty {
            context.out.line(empty)
        } else {
            for item in items { text(item) }
        }
    }

    static func printDraft(_ d: DraftState, _ context: CommandContext) {
        context.out.line("草案 draft \(d.id) · \(d.title)")
        context.out.line("  起草节点 author: \(d.author) · 状态 status: \(d.status.labelZh) \(d.status.rawValue)")
        if let step = d.nextStep {
            context.out.line("  下一步 next: \(step.labelZh) (\(step.rawValue)) · 办理节点 at node \(step.reviewer(forAuthor: d.author))")
        }
        if let r = d.rejection { context.out.line("  退回意见 rejected by \(r.operator)@\(r.node): \(r.comment ?? "")") }
        if let v = d.publishedVersion { context.out.line("  已发布为数据目录第 \(v) 版 · published as catalogue version \(v)") }
    }

    static func printHistory(_ d: DraftState, _ context: CommandContext, time: NodeTime) {
        for e in d.events {
            switch e.kind {
            case .drafted:
                context.out.line("  \(time.display(stored: e.at))  起草 drafted     \(e.operator)@\(e.node)")
            case .reviewed:
                let decision = e.approved == true ? "通过 approve" : "退回 reject"
                context.out.line("  \(time.display(stored: e.at))  \(e.step?.labelZh ?? "") \(decision)  \(e.operator)@\(e.node)\(e.comment.map { " · \($0)" } ?? "")")
            case .published:
                let ids = e.identifiers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                context.out.line("  \(time.display(stored: e.at))  发布 published   第 \(e.version ?? 0) 版 version \(e.version ?? 0)\(ids.isEmpty ? "" : " · 代码 identifiers: \(ids)")")
            case .requested, .decided, .revoked, .rated, .disputed, .answered:
                // Sharing's events are never part of a draft (draftState reads catalogue kinds only).
                continue
            }
        }
    }
}

/// `rootsync catalogue list`: the resources of the installed catalogue.
struct CatalogueListCommand: Command {
    static let path = ["catalogue", "list"]
    static let summary = "列出数据目录中的信息资源 · list the catalogue's resources"
    static let discussion = """
    显示本节点安装的数据目录版本和每个信息资源：名称、中文名、信息资源代码、共享类型、更新周期、信息项数。
    Shows the installed catalogue version and each resource: name, label, identifier, share type,
    update cycle, number of data items.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = replica.catalogue
        if context.json {
            context.out.json(["version": .int(c.version), "published": .string(c.published),
                              "resources": .array(c.resources.map(CatalogueViews.summary))])
            return .success
        }
        context.out.line("数据目录第 \(c.version) 版（\(c.published) 发布）· catalogue version \(c.version), published \(c.published)")
        for r in c.resources {
            context.out.line("  \(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.label)  \(r.meta.identifier ?? "-")  \(r.share.rawValue)  \(r.meta.updateCycle)  \(r.fields.count) 项")
        }
        return .success
    }
}

/// `rootsync catalogue show RESOURCE`: one resource with its metadata and data items.
struct CatalogueShowCommand: Command {
    static let path = ["catalogue", "show"]
    static let summary = "显示一个信息资源 · show one resource"
    static let discussion = """
    RESOURCE 可以是名称（person）或信息资源代码。显示元数据（提供方、共享类型和条件、更新周期…）、
    信息项（类型、格式、代码集、停用的代码）和字段组及其权威层级。
    RESOURCE is a name (person) or an identifier. Shows the metadata, the data items (type, format,
    code set, disabled codes) and the field groups with their authoritative level.
    """
    static let arguments = [ArgumentSpec("RESOURCE", help: "名称或信息资源代码 · name or identifier")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    let name: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "RESOURCE")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let c = replica.catalogue
        guard let r = c.resource(name) ?? c.resource(identifier: name) else { _ = try ReplicaAccess.resource(replica, name); return .failure }
        if context.json {
            context.out.json(CatalogueViews.detail(r, in: c))
            return .success
        }
        let m = r.meta
        context.out.line("\(r.label) \(r.name) · 数据目录第 \(c.version) 版")
        context.out.line("  信息资源代码 identifier: \(m.identifier ?? "-")    分类 category: \(m.category)")
        context.out.line("  提供方 provider: \(m.provider) (\(m.providerCode))")
        context.out.line("  摘要 abstract: \(m.abstract)")
        context.out.line("  共享类型 share: \(r.share.rawValue)\(m.shareCondition.map { " · 条件 condition: \($0)" } ?? "")")
        context.out.line("  共享方式 method: \(m.shareMethod) · 向社会开放 open: \(m.open ? "是" : "否") · 更新周期 cycle: \(m.updateCycle)\(m.updateCycleText.map { "（\($0)）" } ?? "")")
        context.out.line("  格式 format: \(m.format) · 数据范围 range: \(m.dataRange) · 管理方式 management: \(m.management) · 发布日期 published: \(m.published ?? "-")")
        context.out.line("  信息项 items:")
        for f in r.fields {
            var extra: [String] = []
            if f.required { extra.append("必填") }
            if let s = f.codeSet {
                extra.append("代码集 \(s)")
                if let d = c.disabledCodes[s], !d.isEmpty { extra.append("停用 \(d.sorted().joined(separator: ","))") }
            }
            if let e = f.element { extra.append("数据元 \(e)") }
            context.out.line("    \(f.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(f.label)  \(f.format)  组 \(r.group(containing: f.name)?.name ?? "")  \(extra.joined(separator: " · "))")
        }
        context.out.line("  字段组 groups:")
        for g in r.groups {
            context.out.line("    \(g.name) \(g.label) · 权威 authority: \(g.authority?.rawValue ?? "-") · \(g.fields.joined(separator: ", "))")
        }
        return .success
    }
}

/// `rootsync catalogue draft FILE`: submits a proposed change (清单编制员).
struct CatalogueDraftCommand: Command {
    static let path = ["catalogue", "draft"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "提交数据目录修改草案 · submit a catalogue draft"
    static let discussion = """
    FILE 是 JSON 草案（- 表示标准输入）：{"title": 标题, "reason": 理由, "changes": [修改…]}。修改的种类：
    add_resource、add_item、add_group、add_code_set、add_code、disable_code、enable_code、set_share、
    set_meta、set_label、add_data_element（见 docs/CATALOGUE.md）。草案先在本地对照当前目录检查，
    通过后随同步逐级上报，由旗区科室、部门审核，市主管部门审核后发布。
    FILE is a JSON draft (- for standard input). It is checked against the current catalogue here,
    then travels up with sync for 科室审核 and 部门审核 at the district and 主管部门审核 at the city,
    which publishes it.

    例 Example:  rootsync catalogue draft wechat.json --operator 王芳
    """
    static let arguments = [ArgumentSpec("FILE", help: "草案 JSON 文件，- 为标准输入 · draft JSON file, - for stdin")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
                                        .flag("check", help: "只检查，不提交 · check only, submit nothing")]
    let parsed: ParsedArguments
    let file: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        file = try parsed.required(argument: 0, "FILE")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let data: Data
        if file == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                throw CommandError("读不到草案文件 \(file)", "cannot read the draft file \(file)")
            }
            data = d
        }
        guard data.count <= 1 << 20 else { throw CommandError("草案文件超过 1 MiB", "the draft file is larger than 1 MiB") }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: Array(data)) } catch {
            throw CommandError("草案不是有效的 JSON：\(error)", "the draft is not valid JSON: \(error)")
        }
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let draft = try ReplicaAccess.mapped { try CatalogueDraft(json: json) }
        if parsed.flag("check") {
            let next = try ReplicaAccess.mapped { try draft.check(against: replica.catalogue) }
            if context.json { context.out.json(["ok": true, "resources": .int(next.resources.count)]) } else {
                context.out.line("草案可以提交 · the draft applies to catalogue version \(replica.catalogue.version)")
            }
            return .success
        }
        let who = try CatalogueAccess.operatorName(parsed)
        let id = try ReplicaAccess.mapped { try replica.submitDraft(draft, operator: who) }
        let state = try ReplicaAccess.mapped { try replica.draftState(id) }
        if context.json { context.out.json(CatalogueViews.draft(state, time: try ReplicaAccess.time(parsed))) } else {
            context.out.line("已提交草案 \(id)，下一步：\(state.nextStep?.labelZh ?? "")，办理节点 \(state.reviewer ?? "")（同步后可见）")
            context.out.line("draft \(id) submitted; next: \(state.nextStep?.rawValue ?? "") review at node \(state.reviewer ?? "") (after sync)")
        }
        return .success
    }
}

/// `rootsync catalogue review ID --approve|--reject`: one review step, at the node that owns it.
struct CatalogueReviewCommand: Command {
    static let path = ["catalogue", "review"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "审核数据目录草案 · review a catalogue draft"
    static let discussion = """
    在负责这一步的节点上审核：科室审核、部门审核在起草节点所属旗区（市级部门的草案在市），主管部门审核在市。
    操作员须先被授予相应角色（rootsync catalogue grant）。退回必须写 --comment，意见随同步回到起草节点。
    市主管部门审核通过即分配信息资源代码、发布新版数据目录，随同步下发到每个节点。
    Review at the node that owns the step; the operator needs the role (rootsync catalogue grant).
    A rejection needs --comment, which travels back to the author. The city's final approval
    assigns identifiers and publishes the next catalogue version, which reaches every node.
    """
    static let arguments = [ArgumentSpec("ID", help: "草案编号 · draft id")]
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption, CatalogueAccess.operatorOption,
        .flag("approve", help: "通过 · approve"),
        .flag("reject", help: "退回 · reject (needs --comment)"),
        .option("comment", value: "TEXT", help: "审核意见 · comment"),
    ]
    let parsed: ParsedArguments
    let id: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        id = try parsed.required(argument: 0, "ID")
        if parsed.flag("approve") == parsed.flag("reject") {
            throw UsageError("需要 --approve 或 --reject 之一", "give exactly one of --approve or --reject", command: parsed.commandName)
        }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let who = try CatalogueAccess.operatorName(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let state = try ReplicaAccess.mapped {
            try replica.review(draft: id, approve: parsed.flag("approve"), comment: parsed.value("comment"), operator: who)
        }
        if context.json { context.out.json(CatalogueViews.draft(state, time: try ReplicaAccess.time(parsed))) } else { CatalogueAccess.printDraft(state, context) }
        return .success
    }
}

/// `rootsync catalogue drafts`: every draft this node knows and where it stands.
struct CatalogueDraftsCommand: Command {
    static let path = ["catalogue", "drafts"]
    static let summary = "列出数据目录草案及其状态 · list drafts and their state"
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let drafts = try ReplicaAccess.mapped { try replica.drafts() }
        let time = try ReplicaAccess.time(parsed)
        CatalogueAccess.emit(drafts, context, empty: "没有草案 · no drafts",
                             json: { CatalogueViews.draft($0, events: false, time: time) }, text: { CatalogueAccess.printDraft($0, context) })
        return .success
    }
}

/// `rootsync catalogue history [ID]`: catalogue versions and every workflow step.
struct CatalogueHistoryCommand: Command {
    static let path = ["catalogue", "history"]
    static let summary = "数据目录版本和审核记录 · catalogue versions and review history"
    static let discussion = """
    不带 ID：本节点安装过的数据目录版本，以及每个草案的每一步（谁、何时、结论、意见）。带 ID：一个草案的全部记录。
    Without ID: the installed catalogue versions and every step of every draft (who, when,
    decision, comment). With ID: one draft's record.
    """
    static let arguments = [ArgumentSpec("ID", help: "草案编号 · draft id", optional: true)]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let time = try ReplicaAccess.time(parsed)
        if let id = parsed.positional(0) {
            let d = try ReplicaAccess.mapped { try replica.draftState(id) }
            if context.json { context.out.json(CatalogueViews.draft(d, time: time)) } else {
                CatalogueAccess.printDraft(d, context)
                CatalogueAccess.printHistory(d, context, time: time)
            }
            return .success
        }
        let drafts = try ReplicaAccess.mapped { try replica.drafts() }
        if context.json {
            context.out.json(["versions": try CatalogueViews.versions(replica, time: time), "drafts": .array(drafts.map { CatalogueViews.draft($0, time: time) })])
            return .success
        }
        context.out.line("数据目录版本 catalogue versions:")
        for v in try replica.catalogueVersions() { context.out.line("  第 \(v.version) 版 · 发布 published \(v.published) · 安装 installed \(time.display(stored: v.installedAt))") }
        for d in drafts {
            context.out.line()
            CatalogueAccess.printDraft(d, context)
            CatalogueAccess.printHistory(d, context, time: time)
        }
        return .success
    }
}

/// `rootsync catalogue grant|revoke --operator NAME --role ROLE` and `catalogue roles`.
struct CatalogueGrantCommand: Command {
    static let path = ["catalogue", "grant"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "授予审核或数据管理员角色 · grant a review or data-administrator role"
    static let discussion = """
    角色：section_reviewer 科室审核员、department_reviewer 部门审核员、authority_reviewer 主管部门审核员、
    data_admin 数据管理员（审批数据需求申请，rootsync share approve|reject）。角色只在本节点有效；授予记入审计。
    Roles: section_reviewer, department_reviewer, authority_reviewer, data_admin (decides data
    requests: rootsync share approve|reject), or the Chinese titles. A role is valid on this node
    only; grants are audited.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption,
        .option("operator", value: "NAME", help: "操作员姓名 · the operator"),
        .option("role", value: "ROLE", help: "角色 · the role")]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let name = try parsed.required("operator"), role = try parsed.required("role")
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let by = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
        let step = try ReplicaAccess.mapped { try replica.grant(role: role, to: name, by: by) }
        if context.json { context.out.json(["operator": .string(name), "role": .string(step.role)]) } else {
            context.out.line("已授予 \(name) \(step.roleZh)角色 · granted \(step.role) to \(name) on node \(replica.node.code)")
        }
        return .success
    }
}

struct CatalogueRevokeCommand: Command {
    static let path = ["catalogue", "revoke"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "收回审核角色 · revoke a review role"
    static let options: [OptionSpec] = CatalogueGrantCommand.options
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let name = try parsed.required("operator"), role = try parsed.required("role")
        let replica = try ReplicaAccess.open(parsed, capture: false)
        try ReplicaAccess.mapped { try replica.revoke(role: role, from: name, by: ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName) }
        if context.json { context.out.json(["operator": .string(name), "revoked": .string(role)]) } else {
            context.out.line("已收回 \(name) 的 \(role) 角色 · revoked")
        }
        return .success
    }
}

struct CatalogueRolesCommand: Command {
    static let path = ["catalogue", "roles"]
    static let summary = "列出本节点的审核角色 · list review roles on this node"
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let time = try ReplicaAccess.time(parsed)
        CatalogueAccess.emit(try ReplicaAccess.mapped({ try replica.roles() }), context, empty: "本节点没有授予审核角色 · no review roles on this node",
            json: { ["operator": .string($0.operator), "role": .string($0.role), "granted_at": .string(time.rfc3339(stored: $0.grantedAt)), "granted_by": .string($0.grantedBy)] },
            text: { context.out.line("\($0.operator)  \(ReviewStep.step(forRole: $0.role)?.roleZh ?? $0.role) (\($0.role))  \(time.display(stored: $0.grantedAt))  by \($0.grantedBy)") })
        return .success
    }
}

/// `rootsync catalogue flagged`: stored values that use codes since disabled.
struct CatalogueFlaggedCommand: Command {
    static let path = ["catalogue", "flagged"]
    static let summary = "使用已停用代码的记录 · records using disabled codes"
    static let discussion = """
    代码停用后，已有的值保留并在此列出；新写入不能再用这些代码。请逐条核实并改为有效代码。
    After a code is disabled, existing values are kept and listed here; new writes may not use it.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        CatalogueAccess.emit(try ReplicaAccess.mapped { try replica.flaggedValues() }, context,
            empty: "没有使用已停用代码的记录 · no record uses a disabled code",
            json: { ["resource": .string($0.resource), "key": .string($0.key), "field": .string($0.field), "code": .string($0.code), "name": .string($0.name)] },
            text: { context.out.line("\($0.resource) \($0.key)  \($0.field) = \($0.code)（\($0.name)，已停用 disabled）") })
        return .success
    }
}
