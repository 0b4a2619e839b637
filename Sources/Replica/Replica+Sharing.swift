import Catalogue
import Foundation
import JSON
import Sharing
import SQLite
import Standards

extension Replica {
    /// Step 13: the column that addresses sharing's threads, and the log of feed calls.
    static let sharingSchema = """
    ALTER TABLE _rs_workflow ADD COLUMN target TEXT NOT NULL DEFAULT '';
    CREATE INDEX _rs_workflow_kind ON _rs_workflow(kind, draft);
    CREATE TABLE _rs_feed_call(
        id INTEGER PRIMARY KEY, consumer TEXT NOT NULL, grant_id TEXT NOT NULL,
        since INTEGER NOT NULL, next INTEGER NOT NULL, records INTEGER NOT NULL, at_ms INTEGER NOT NULL);
    CREATE INDEX _rs_feed_call_grant ON _rs_feed_call(grant_id, next);
    """

    /// Sharing's event kinds of requests, as an SQL list.
    static let requestKinds = "('requested','decided','revoked','rated')"
    static let disputeKinds = "('disputed','answered')"

    /// The day sharing judges by (deadlines, expiry): `ShareClock`'s now in `zone`.
    public func shareToday(zone: TimeZone) -> CalendarDate {
        ShareDeadline.day(milliseconds: shareNow(), zone: zone) ?? CalendarDate(year: 1970, month: 1, day: 1)!
    }

    func nextWorkflowID() throws -> String {
        let n = (Int(try meta("workflow_seq") ?? "0") ?? 0) + 1
        try setMeta("workflow_seq", String(n))
        return "\(node.code)-\(n)"
    }

    func shareEvent(_ kind: WorkflowEvent.Kind, thread: String, author: String, target: String, operator name: String,
                    approved: Bool? = nil, comment: String? = nil, payload: JSONValue) throws -> WorkflowEvent {
        let id = kind.startsThread ? thread : try nextWorkflowID()
        return WorkflowEvent(id: id, draft: thread, author: author, node: node.code, operator: name, at: Self.isoNow(shareNow()),
                             kind: kind, approved: approved, comment: comment, target: target, payload: payload)
    }

    static func checkOperator(_ name: String) throws -> String {
        let n = name.trimmingSpace()
        guard !n.isEmpty, n.count <= 100 else {
            throw ShareError.invalid("operator", "操作员姓名不能为空（--operator）", "the operator's name must not be empty (--operator)")
        }
        return n
    }

    static func checkText(_ text: String?, field: String, required: Bool, zh: String, en: String) throws -> String? {
        let t = text?.trimmingSpace() ?? ""
        if t.isEmpty {
            if required { throw ShareError.invalid(field, zh, en) }
            return nil
        }
        guard t.count <= 2000 else { throw ShareError.invalid(field, "\(field) 最长 2000 个字符", "\(field) is at most 2000 characters") }
        return t
    }

    // MARK: Reading threads

    func threadEvents(_ kinds: String, thread: String? = nil) throws -> [String: [WorkflowEvent]] {
        var out: [String: [WorkflowEvent]] = [:]
        let sql = "SELECT draft, json FROM _rs_workflow WHERE kind IN \(kinds)" + (thread == nil ? "" : " AND draft = ?") + " ORDER BY pos"
        try db.forEach(sql, arguments: thread.map { [$0] } ?? []) { row in
            out[row.string(0), default: []].append(try WorkflowEvent(json: JSONParser.parse(row.string(1))))
        }
        return out
    }

    /// Every data request this node knows (made here, below, or addressed here), newest first.
    public func shareRequests() throws -> [RequestState] {
        try threadEvents(Self.requestKinds).compactMap { RequestState(id: $0.key, events: $0.value) }
            .sorted { ($0.requested.at, $0.id) > ($1.requested.at, $1.id) }
    }

    public func shareRequest(_ id: String) throws -> RequestState {
        guard let events = try threadEvents(Self.requestKinds, thread: id)[id], let state = RequestState(id: id, events: events) else {
            throw ShareError.notFound("id", "没有数据需求申请 \(id)", "no data request \(id) here")
        }
        return state
    }

    // MARK: Requesting and deciding

    /// Records a data request for a consumer registered here. 无条件共享 without control
    /// parameters is granted at once; otherwise the request waits for the provider's data
    /// administrator (`ShareRules.decider`), to whom it travels. 不予共享 is refused.
    public func requestShare(consumer: String, resource name: String, items: [String], jurisdiction: String,
                             purpose: SharePurpose, until: CalendarDate, operator op: String, today: CalendarDate) throws -> RequestState {
        try reloadCatalogueIfChanged()
        let opName = try Self.checkOperator(op)
        guard let r = catalogue.resource(name) else {
            throw ShareError.invalid("resource", "数据目录中没有资源 \(name)", "no resource \(name) in the catalogue")
        }
        guard try consumers().contains(where: { $0.name == consumer && $0.isActive }) else {
            throw ShareError.notFound("consumer", "本节点没有有效的使用方 \(consumer)（rootsync consumer add）",
                                      "no active consumer \(consumer) at this node (rootsync consumer add)")
        }
        let request = try ShareRules.check(resource: r, items: items, jurisdiction: jurisdiction, purpose: purpose, until: until,
                                           consumer: consumer, at: node.code, today: today)
        let decider = request.immediate ? node.code : try ShareRules.decider(for: r, requestedAt: node.code)
        let id = try db.transaction { () -> String in
            let id = try nextWorkflowID()
            try storeEvent(try shareEvent(.requested, thread: id, author: node.code, target: decider, operator: opName, payload: request.json), link: "")
            try audit("share_request", detail: "request=\(id) consumer=\(consumer) resource=\(r.name) jurisdiction=\(jurisdiction) purpose=\(purpose.rawValue)"
                      + (request.immediate ? " granted=immediate" : " decider=\(decider)"), user: opName)
            return id
        }
        return try shareRequest(id)
    }

    /// The provider's data administrator approves or rejects a pending request, here, at the
    /// node that decides it. A rejection cites its legal basis.
    public func decideShare(_ id: String, approve: Bool, basis: String?, operator op: String) throws -> RequestState {
        let opName = try Self.checkOperator(op)
        let state = try shareRequest(id)
        guard state.status == .pending else {
            throw ShareError.conflict("id", "申请 \(id) 已\(state.status.labelZh)，不能再审批", "request \(id) is \(state.status.rawValue); there is nothing to decide")
        }
        guard state.decider == node.code else {
            throw ShareError.forbidden("id", "申请 \(id) 由提供方所在节点 \(state.decider) 审批，不是本节点 \(node.code)",
                                       "request \(id) is decided at the provider's node \(state.decider), not here (\(node.code))")
        }
        guard try hasRole(opName, ShareRole.dataAdmin.role) else {
            throw ShareError.forbidden("operator", "操作员 \(opName) 没有数据管理员角色（rootsync catalogue grant --operator \(opName) --role data_admin）",
                                       "operator \(opName) does not have the role data_admin on this node (grant it with rootsync catalogue grant --role data_admin)")
        }
        let text = try Self.checkText(basis, field: "basis", required: !approve,
                                      zh: "驳回申请必须写明依据（--basis），提供方无法律依据不得拒绝共享",
                                      en: "a rejection must cite its basis (--basis): a provider may not refuse without a legal basis")
        try db.transaction {
            try storeEvent(try shareEvent(.decided, thread: id, author: state.author, target: state.decider, operator: opName,
                                          approved: approve, comment: text, payload: ["request": .string(id)]), link: "")
            try audit("share_decide", detail: "request=\(id) decision=\(approve ? "approve" : "reject")", user: opName)
        }
        return try shareRequest(id)
    }

    /// Withdraws a grant (or a pending request): at the node where it was made, or by the
    /// provider's data administrator at the deciding node. The feed stops as soon as the
    /// revocation is held where the consumer reads.
    public func revokeShare(_ id: String, reason: String?, operator op: String) throws -> RequestState {
        let opName = try Self.checkOperator(op)
        let state = try shareRequest(id)
        guard state.status == .granted || state.status == .pending else {
            throw ShareError.conflict("id", "申请 \(id) 已\(state.status.labelZh)，不能撤销", "request \(id) is \(state.status.rawValue); it cannot be revoked")
        }
        guard node.code == state.author || node.code == state.decider else {
            throw ShareError.forbidden("id", "申请 \(id) 只能在申请节点 \(state.author) 或审批节点 \(state.decider) 撤销",
                                       "request \(id) can be revoked only at \(state.author) (where it was made) or \(state.decider) (which decides it)")
        }
        if node.code == state.decider && node.code != state.author, !(try hasRole(opName, ShareRole.dataAdmin.role)) {
            throw ShareError.forbidden("operator", "操作员 \(opName) 没有数据管理员角色", "operator \(opName) does not have the role data_admin on this node")
        }
        let text = try Self.checkText(reason, field: "basis", required: false, zh: "", en: "")
        try db.transaction {
            try storeEvent(try shareEvent(.revoked, thread: id, author: state.author, target: state.decider, operator: opName,
                                          comment: text, payload: ["request": .string(id)]), link: "")
            try audit("share_revoke", detail: "request=\(id)", user: opName)
        }
        return try shareRequest(id)
    }

    /// 数据使用评价: the consumer's marks for a decided request, recorded where it was made and
    /// sent up to the city's figures.
    public func rateShare(_ id: String, quality: Int, responsiveness: Int, comment: String?, operator op: String) throws -> RequestState {
        let opName = try Self.checkOperator(op)
        try Rating.check(quality: quality, responsiveness: responsiveness)
        let state = try shareRequest(id)
        guard state.author == node.code else {
            throw ShareError.forbidden("id", "申请 \(id) 由节点 \(state.author) 的使用方评价，不是本节点", "request \(id) is rated where it was made (\(state.author)), not here")
        }
        guard state.status != .pending else {
            throw ShareError.conflict("id", "申请 \(id) 尚未审批，不能评价", "request \(id) is not decided yet; it cannot be rated")
        }
        let text = try Self.checkText(comment, field: "comment", required: false, zh: "", en: "")
        try db.transaction {
            try storeEvent(try shareEvent(.rated, thread: id, author: state.author, target: state.decider, operator: opName, comment: text,
                                          payload: Rating.payload(quality: quality, responsiveness: responsiveness)), link: "")
            try audit("share_rate", detail: "request=\(id) quality=\(quality) responsiveness=\(responsiveness)", user: opName)
        }
        return try shareRequest(id)
    }

    // MARK: Checking what arrives

    /// A sharing event from a link is stored only if the node it names may have made it: a
    /// request or a dispute by its author and addressed where the rules say (recomputed from
    /// this node's catalogue), a decision only by the request's decider, an answer only by the
    /// dispute's authoritative node, a revocation by either end, a rating by the author. From a
    /// child, the acting node must also lie in the child's subtree. Anything else refuses the
    /// whole batch.
    func checkSharingEvent(_ e: WorkflowEvent, from link: String, child: Bool, batch: [WorkflowEvent]) throws {
        func refuse(_ zh: String, _ en: String) -> ShareError {
            .forbidden("event", "\(child ? "下级" : "上级") \(link) 发来的共享流程记录 \(e.id) \(zh)，整批拒收",
                       "\(child ? "child" : "parent") \(link) sent sharing event \(e.id), which \(en); the whole batch is refused")
        }
        if child && !Jurisdiction(node: link).contains(e.node) {
            throw refuse("发生在其辖区之外（\(e.node)）", "happened outside its subtree (at \(e.node))")
        }
        func root(_ kind: WorkflowEvent.Kind) throws -> WorkflowEvent {
            if let r = batch.first(where: { $0.id == e.thread && $0.kind == kind }) { return r }
            if let text = try db.first("SELECT json FROM _rs_workflow WHERE id = ? AND kind = ?", e.thread, kind.rawValue, map: { $0.string(0) }) {
                return try WorkflowEvent(json: JSONParser.parse(text))
            }
            throw refuse("所属的流程 \(e.thread) 在本节点不存在", "belongs to thread \(e.thread), unknown here")
        }
        switch e.kind {
        case .requested:
            guard e.id == e.thread, e.node == e.author, let p = e.payload else { throw refuse("不是其作者节点的申请", "is not a request made by its author") }
            let request = try ShareRequest(json: p)
            guard let r = catalogue.resource(request.resource) else { throw refuse("申请了不存在的资源 \(request.resource)", "requests unknown resource \(request.resource)") }
            if r.share == .none { throw refuse("申请了不予共享资源 \(r.name)", "requests 不予共享 resource \(r.name)") }
            let expected = request.immediate ? e.author : try ShareRules.decider(for: r, requestedAt: e.author)
            guard e.target == expected else { throw refuse("的审批节点应为 \(expected)，而不是 \(e.target ?? "")", "names \(e.target ?? "") as its decider instead of \(expected)") }
            guard request.jurisdiction.hasPrefix(DivisionCode.subtreePrefix(e.author)) else {
                throw refuse("申请的辖区不在申请节点之下", "requests a jurisdiction outside its author's subtree")
            }
        case .decided, .revoked, .rated:
            let request = try root(.requested)
            guard e.author == request.author, e.target == request.target else { throw refuse("与其申请不符", "does not match its request") }
            let allowed: Set<String> = switch e.kind {
            case .decided: [request.target ?? ""]
            case .revoked: [request.author, request.target ?? ""]
            default: [request.author]
            }
            guard allowed.contains(e.node) else {
                throw refuse("由节点 \(e.node) 作出，但只有 \(allowed.sorted().joined(separator: "、")) 可以", "was made at \(e.node), but only \(allowed.sorted().joined(separator: ", ")) may")
            }
        case .disputed:
            guard e.id == e.thread, e.node == e.author, let p = e.payload else { throw refuse("不是其作者节点发起的校核", "is not a dispute raised by its author") }
            let dispute = try Dispute(json: p)
            guard let r = catalogue.resource(dispute.resource), let g = r.group(dispute.group) else {
                throw refuse("校核了不存在的字段组", "disputes an unknown resource or group")
            }
            let expected = try ShareRules.authoritativeNode(for: g, scope: dispute.scope)
            guard e.target == expected else { throw refuse("的答复节点应为 \(expected)", "names \(e.target ?? "") to answer instead of \(expected)") }
        case .answered:
            let dispute = try root(.disputed)
            guard e.author == dispute.author, e.target == dispute.target, e.node == dispute.target else {
                throw refuse("不是由该字段组的权威节点 \(dispute.target ?? "") 答复的", "was not answered by the group's authoritative node \(dispute.target ?? "")")
            }
        case .drafted, .reviewed, .published:
            return
        }
    }
}
