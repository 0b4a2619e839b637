import Catalogue
import Foundation
import JSON
import Sharing
import SQLite

extension Replica {
    /// The catalogue workflow's storage: its events (a growing set exchanged along the links)
    /// and the review roles granted to named operators on this node.
    static let workflowSchema = """
    CREATE TABLE IF NOT EXISTS _rs_workflow(
        pos INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, draft TEXT NOT NULL, author TEXT NOT NULL,
        kind TEXT NOT NULL, json TEXT NOT NULL,
        -- '' for events that happened here, else the link they came from (never sent back there).
        link TEXT NOT NULL DEFAULT '',
        -- Whether the parent has confirmed holding it.
        sent_up INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS _rs_workflow_draft ON _rs_workflow(draft);
    CREATE TABLE IF NOT EXISTS _rs_role(operator TEXT NOT NULL, role TEXT NOT NULL, granted_at TEXT NOT NULL, granted_by TEXT NOT NULL,
        PRIMARY KEY(operator, role)) WITHOUT ROWID;
    """

    static func isoNow(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    func workflowError(_ zh: String, _ en: String) -> ReplicaError { .workflow(zh: zh, en: en) }

    // MARK: Roles

    /// Every role an operator may be granted: the catalogue's review roles and sharing's data
    /// administrator, as (role, Chinese title).
    static var grantableRoles: [(role: String, roleZh: String)] {
        ReviewStep.allCases.map { ($0.role, $0.roleZh) } + ShareRole.allCases.map { ($0.role, $0.roleZh) }
    }

    static func grantableRole(_ text: String) -> (role: String, roleZh: String)? {
        if let step = ReviewStep.step(forRole: text) { return (step.role, step.roleZh) }
        if let r = ShareRole(text: text) { return (r.role, r.roleZh) }
        return nil
    }

    /// Grants `role` (section_reviewer, department_reviewer, authority_reviewer, data_admin, or
    /// the Chinese titles) to a named operator on this node.
    @discardableResult
    public func grant(role text: String, to operatorName: String, by granter: String) throws -> (role: String, roleZh: String) {
        guard let step = Self.grantableRole(text) else {
            throw workflowError("没有这个角色：\(text)（可选：\(Self.grantableRoles.map { "\($0.role)/\($0.roleZh)" }.joined(separator: "、"))）",
                                "unknown role \(text); roles: \(Self.grantableRoles.map(\.role).joined(separator: ", "))")
        }
        let name = operatorName.trimmingSpace()
        guard !name.isEmpty, name.count <= 100 else { throw workflowError("操作员姓名不能为空", "the operator's name must not be empty") }
        try db.transaction {
            try db.run("INSERT OR REPLACE INTO _rs_role(operator, role, granted_at, granted_by) VALUES(?, ?, ?, ?)",
                       name, step.role, Self.isoNow(now()), granter)
            try audit("role_granted", detail: "operator=\(name) role=\(step.role)", user: granter)
        }
        return step
    }

    /// Whether a named operator holds `role` on this node.
    func hasRole(_ operatorName: String, _ role: String) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM _rs_role WHERE operator = ? AND role = ?", operatorName, role) != nil
    }

    public func revoke(role text: String, from operatorName: String, by granter: String) throws {
        guard let step = Self.grantableRole(text) else { throw workflowError("没有这个角色：\(text)", "unknown role \(text)") }
        try db.transaction {
            try db.run("DELETE FROM _rs_role WHERE operator = ? AND role = ?", operatorName, step.role)
            guard db.changes > 0 else { throw workflowError("\(operatorName) 没有 \(step.roleZh) 角色", "\(operatorName) does not have the role \(step.role)") }
            try audit("role_revoked", detail: "operator=\(operatorName) role=\(step.role)", user: granter)
        }
    }

    public func roles() throws -> [(operator: String, role: String, grantedAt: String, grantedBy: String)] {
        try db.all("SELECT operator, role, granted_at, granted_by FROM _rs_role ORDER BY operator, role") {
            ($0.string(0), $0.string(1), $0.string(2), $0.string(3))
        }
    }

    // MARK: Drafting and reviewing

    /// Records a draft written here (清单编制员). It must apply to the current catalogue and give
    /// a valid, compatible one; it then travels up with sync. Returns the draft's id.
    public func submitDraft(_ draft: CatalogueDraft, operator name: String) throws -> String {
        try reloadCatalogueIfChanged()
        _ = try draft.check(against: catalogue, divisions: validator.divisions)
        return try db.transaction {
            let n = (Int(try meta("workflow_seq") ?? "0") ?? 0) + 1
            try setMeta("workflow_seq", String(n))
            let id = "\(node.code)-\(n)"
            let event = WorkflowEvent(id: id, draft: id, author: node.code, node: node.code, operator: name,
                                      at: Self.isoNow(now()), kind: .drafted, body: draft)
            try storeEvent(event, link: "")
            try audit("draft", detail: "draft=\(id) title=\(draft.title)", user: name)
            return id
        }
    }

    /// Approves or rejects the step due here. A rejection needs a comment and returns the draft to
    /// its author. The city's 主管部门审核 approval publishes: identifiers are assigned, the next
    /// catalogue version is installed here in the same transaction, and it travels down.
    public func review(draft id: String, approve: Bool, comment: String?, operator name: String,
                       date: String? = nil) throws -> DraftState {
        try reloadCatalogueIfChanged()
        let state = try draftState(id)
        guard state.status == .pending, let step = state.nextStep else {
            throw workflowError("草案 \(id) 已\(state.status.labelZh)，不能再审核", "draft \(id) is \(state.status.rawValue); there is nothing to review")
        }
        let reviewer = step.reviewer(forAuthor: state.author)
        guard reviewer == node.code else {
            throw workflowError("草案 \(id) 的下一步是\(step.labelZh)，由节点 \(reviewer) 办理，不是本节点 \(node.code)",
                                "the next step of draft \(id) is \(step.rawValue) review, done at node \(reviewer), not here (\(node.code))")
        }
        guard try db.scalarInt("SELECT 1 FROM _rs_role WHERE operator = ? AND role = ?", name, step.role) != nil else {
            throw workflowError("操作员 \(name) 没有\(step.roleZh)角色（rootsync catalogue grant --operator \(name) --role \(step.role)）",
                                "operator \(name) does not have the role \(step.role) on this node (grant it with rootsync catalogue grant)")
        }
        if let earlier = state.events.first(where: { $0.kind == .reviewed && $0.operator == name && $0.node == node.code }) {
            throw workflowError("\(name) 已办理过这个草案的\(earlier.step?.labelZh ?? "审核")，同一草案的各步审核须由不同的人办理",
                                "\(name) already did the \(earlier.step?.rawValue ?? "") review of this draft; each step needs a different reviewer")
        }
        let text = comment?.trimmingSpace() ?? ""
        if !approve && text.isEmpty { throw workflowError("退回草案必须写明意见（--comment）", "a rejection needs a comment (--comment) for the author") }
        guard let draft = state.draft else { throw workflowError("找不到草案 \(id) 的内容", "draft \(id) has no body here") }
        var published: Catalogue?
        if approve && step == .authority {
            let day = date ?? String(Self.isoNow(now()).prefix(10))
            do { published = try draft.publish(on: catalogue, date: day, divisions: validator.divisions) } catch let e as CatalogueError {
                throw workflowError("草案 \(id) 不能在当前数据目录（第 \(catalogue.version) 版）上发布，请退回：\n" + e.problems.joined(separator: "\n"),
                                    "draft \(id) no longer applies to catalogue version \(catalogue.version); reject it with these reasons:\n" + e.problems.joined(separator: "\n"))
            }
        }
        try db.transaction {
            let at = Self.isoNow(now())
            let n = (Int(try meta("workflow_seq") ?? "0") ?? 0) + 1
            try setMeta("workflow_seq", String(n + (published == nil ? 0 : 1)))
            try storeEvent(WorkflowEvent(id: "\(node.code)-\(n)", draft: id, author: state.author, node: node.code, operator: name, at: at,
                                         kind: .reviewed, step: step, approved: approve, comment: text.isEmpty ? nil : text), link: "")
            try audit("review", detail: "draft=\(id) step=\(step.rawValue) decision=\(approve ? "approve" : "reject")", user: name)
            if let published {
                var ids: [String: String] = [:]
                for r in published.resources where catalogue.resource(r.name) == nil { ids[r.name] = r.meta.identifier ?? "" }
                try install(catalogue: published, user: name)
                try storeEvent(WorkflowEvent(id: "\(node.code)-\(n + 1)", draft: id, author: state.author, node: node.code, operator: name,
                                             at: at, kind: .published, version: published.version, identifiers: ids), link: "")
            }
        }
        return try draftState(id)
    }

    // MARK: Queries

    public func draftState(_ id: String) throws -> DraftState {
        let events = try db.all("SELECT json FROM _rs_workflow WHERE draft = ? AND kind IN \(Self.catalogueKinds) ORDER BY pos", id) {
            try WorkflowEvent(json: JSONParser.parse($0.string(0)))
        }
        guard !events.isEmpty else { throw ReplicaError.notFound(resource: "draft", key: id) }
        return DraftState(id: id, events: events)
    }

    /// Every draft this node knows, newest first.
    public func drafts() throws -> [DraftState] {
        let ids = try db.all("SELECT draft, max(pos) AS p FROM _rs_workflow WHERE kind IN \(Self.catalogueKinds) GROUP BY draft ORDER BY p DESC") { $0.string(0) }
        return try ids.map { try draftState($0) }
    }

    /// The catalogue's event kinds, as an SQL list (sharing's events share the table).
    static let catalogueKinds = "(" + WorkflowEvent.Kind.allCases.filter(\.isCatalogue).map { "'\($0.rawValue)'" }.joined(separator: ",") + ")"

    /// Every workflow event, in the order this node learnt them.
    public func workflowEvents(limit: Int = 1000) throws -> [WorkflowEvent] {
        try db.all("SELECT json FROM _rs_workflow ORDER BY pos LIMIT ?", limit) { try WorkflowEvent(json: JSONParser.parse($0.string(0))) }
    }

    // MARK: Exchange along links

    func storeEvent(_ e: WorkflowEvent, link: String) throws {
        try db.run("INSERT OR IGNORE INTO _rs_workflow(id, draft, author, kind, json, link, target) VALUES(?, ?, ?, ?, ?, ?, ?)",
                   e.id, e.draft, e.author, e.kind.rawValue, e.json.text, link, e.target ?? "")
    }

    /// Events the parent may not hold yet: everything not received from it and not yet confirmed.
    /// Without `sharing` (a parent of an earlier release) only the catalogue's: sharing's wait,
    /// unsent, until the parent can read them.
    public func workflowEventsToSendUp(limit: Int = 500, sharing: Bool = true) throws -> [WorkflowEvent] {
        let kinds = sharing ? "" : " AND kind IN \(Self.catalogueKinds)"
        return try db.all("SELECT json FROM _rs_workflow WHERE sent_up = 0 AND link IS NOT ?\(kinds) ORDER BY pos LIMIT ?", parentLink ?? "", limit) {
            try WorkflowEvent(json: JSONParser.parse($0.string(0)))
        }
    }

    /// True when sharing's events wait to go up (the parent cannot read them yet).
    public func sharingEventsWaiting() throws -> Bool {
        try db.scalarInt("SELECT 1 FROM _rs_workflow WHERE sent_up = 0 AND link IS NOT ? AND kind NOT IN \(Self.catalogueKinds) LIMIT 1",
                         parentLink ?? "") != nil
    }

    public func markWorkflowSentUp(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try db.transaction { for id in ids { try db.run("UPDATE _rs_workflow SET sent_up = 1 WHERE id = ?", id) } }
    }

    /// Events a child must receive after its cursor: those of threads (drafts, requests,
    /// disputes) started in its subtree or addressed to a node in it.
    /// Without `sharing` (a child of an earlier release) only the catalogue's events: the child's
    /// cursor moves past the others, and it reads them all again once it is upgraded (step 18).
    public func workflowEvents(for child: String, after position: Int64, limit: Int = 500, sharing: Bool = true) throws -> (events: [WorkflowEvent], last: Int64) {
        let j = Jurisdiction(node: child)
        let kinds = sharing ? "" : " AND kind IN \(Self.catalogueKinds)"
        var last = position
        return try db.transaction {
        let events = try db.all("""
            SELECT json, pos FROM _rs_workflow WHERE pos > ? AND (substr(author, 1, ?) = ? OR substr(target, 1, ?) = ?) AND link <> ?\(kinds)
            ORDER BY pos LIMIT ?
            """, position, j.prefix.count, j.prefix, j.prefix.count, j.prefix, child, limit) { row -> WorkflowEvent in
            last = row.int64(1)
            return try WorkflowEvent(json: JSONParser.parse(row.string(0)))
        }
        // Skip past events that are not for this child, so its cursor keeps up.
        if events.count < limit, let top = try db.scalarInt("SELECT max(pos) FROM _rs_workflow") { last = max(last, Int64(top)) }
        return (events, last)
        }
    }

    /// Stores events from a link. From a child, every event must concern a draft of its subtree
    /// and have happened there (a child cannot speak for its district's reviewers). Sharing's
    /// events are checked from either side (`checkSharingEvent`): a decision or an answer only
    /// from the node that owns it, a request or a dispute addressed where the rules say.
    public func receiveWorkflow(_ events: [WorkflowEvent], from link: String, child: Bool) throws -> Int {
        try reloadCatalogueIfChanged()
        if child {
            let j = Jurisdiction(node: link)
            for e in events where e.kind.isCatalogue && (!(j.contains(e.author) && j.contains(e.node)) || (e.kind != .drafted && e.kind != .reviewed) || (e.kind == .reviewed && e.step.map({ $0.reviewer(forAuthor: e.author) }) != e.node)) {
                throw workflowError("下级 \(link) 发来不属于其辖区的目录流程记录 \(e.id)，整批拒收",
                                    "child \(link) sent workflow event \(e.id) it may not speak for; the whole batch is refused")
            }
        }
        for e in events where e.kind.isSharing { try checkSharingEvent(e, from: link, child: child, batch: events) }
        let before = try db.scalarInt("SELECT count(*) FROM _rs_workflow") ?? 0
        try db.transaction { for e in events { try storeEvent(e, link: link) } }
        return (try db.scalarInt("SELECT count(*) FROM _rs_workflow") ?? 0) - before
    }
}
