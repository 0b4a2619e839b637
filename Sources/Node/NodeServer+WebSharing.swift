import Catalogue
import Foundation
import JSON
import Replica
import Sharing
import Transport

/// 共享 in the web app: data requests (数据需求申请) with their deciding node, due date and
/// overdue flag, decided, revoked and rated here; quality checks (数据质量校核) listed, raised from
/// a record page and answered at the authoritative node. Every rule is the Replica's sharing API
/// (`decideShare`, `revokeShare`, `rateShare`, `raiseDispute`, `answerDispute`), called under the
/// signed-in operator's name, so it is audited under it; the flags sent to the page only say
/// which buttons to show. Also the opaque record references that let a clerk, who sees ID numbers
/// masked, open a person's record page without the key in the URL or the page.
extension NodeServer {
    // MARK: Record references

    /// Whether `account` sees `resource`'s key masked (a person's ID number, for a clerk).
    static func webKeyMasked(_ account: OperatorAccount, _ r: Resource) -> Bool {
        !account.role.seesIdentifiers && r.field(r.key).map(FieldMasking.isSensitive) == true
    }

    static func webShownKey(_ account: OperatorAccount, _ r: Resource, _ key: String) -> String {
        webKeyMasked(account, r) ? FieldMasking.mask(key) : key
    }

    /// The session's reference to a record whose key the operator sees masked; nil otherwise
    /// (the key itself names the record).
    func webRecordRef(_ call: WebCall, _ account: OperatorAccount, _ r: Resource, key: String) -> String? {
        guard Self.webKeyMasked(account, r), let token = call.token else { return nil }
        return webSessions.recordRef(token, resource: r.name, key: key)
    }

    /// The record a request names: `ref` (this session's reference) or `resource` and `key`.
    func webRecordNamed(_ call: WebCall, body: JSONValue? = nil) throws -> (resource: String, key: String) {
        let given: (String) -> String? = { name in body.map { $0[name]?.stringValue } ?? call.request.query(name) }
        if let ref = given("ref"), !ref.isEmpty {
            guard let token = call.token, let record = webSessions.record(token, ref: ref) else {
                throw ShareError.notFound("ref", "记录链接（ref）已失效，请重新查询", "the record link (ref) has expired: search again")
            }
            return (record.resource, record.key)
        }
        guard let key = given("key"), !key.isEmpty else {
            throw WebError.badRequest(zh: "请给出记录的主键（key）", en: "give the record's key")
        }
        return (given("resource") ?? "person", key)
    }

    // MARK: Listing

    /// At most this many requests, and as many quality checks, in one answer (the newest).
    static let sharingShown = 500

    /// `GET /app/api/sharing`: every data request and quality check this node knows, each with
    /// what this operator may do with it here; the node's overdue flags.
    func webSharing(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        return try pool.with { replica in
            let c = try ShareContext.load(replica)
            let here = replica.node.code, catalogue = replica.catalogue
            let admin = try replica.roles().contains { $0.operator == account.name && $0.role == ShareRole.dataAdmin.role }
            let allRequests = try replica.shareRequests(), allDisputes = try replica.disputes()
            // Newest first, at most `sharingShown` of each; the totals are whole.
            let requests: [JSONValue] = allRequests.prefix(Self.sharingShown).map { s in
                var o = ShareViews.request(s, c).objectValue ?? JSONObject()
                let open = s.status == .pending || s.status == .granted
                o["resource_label"] = .string(catalogue.resource(s.request.resource)?.label ?? s.request.resource)
                o["may_decide"] = .bool(s.status == .pending && s.decider == here && admin)
                o["may_revoke"] = .bool(open && (here == s.author || (here == s.decider && admin)))
                o["may_rate"] = .bool(s.author == here && s.status != .pending)
                return .object(o)
            }
            let disputes: [JSONValue] = allDisputes.prefix(Self.sharingShown).map { d in
                var o = webDispute(d, c, account, catalogue, call).objectValue ?? JSONObject()
                o["may_answer"] = .bool(d.status == .open && d.answerer == here && account.role.seesIdentifiers)
                return .object(o)
            }
            return Self.webJSON(["node": .string(here), "today": .string(c.today.iso), "data_admin": .bool(admin),
                                 "answers_disputes": .bool(account.role.seesIdentifiers),
                                 "overdue": ShareViews.overdue(try c.overdue(replica)),
                                 "requests_total": .int(allRequests.count), "disputes_total": .int(allDisputes.count),
                                 "requests": .array(requests), "disputes": .array(disputes)])
        }
    }

    /// A dispute as `ShareViews` gives it, with its labels, its record's reference, and the key
    /// and values masked for a role that sees them masked.
    func webDispute(_ d: DisputeState, _ c: ShareContext, _ account: OperatorAccount, _ catalogue: Catalogue, _ call: WebCall) -> JSONValue {
        var o = ShareViews.dispute(d, c).objectValue ?? JSONObject()
        guard let r = catalogue.resource(d.dispute.resource) else { return .object(o) }
        o["resource_label"] = .string(r.label)
        o["group_label"] = .string(r.group(d.dispute.group)?.label ?? d.dispute.group)
        o["key"] = .string(Self.webShownKey(account, r, d.dispute.key))
        o["ref"] = webRecordRef(call, account, r, key: d.dispute.key).map { .string($0) } ?? .null
        if !account.role.seesIdentifiers {
            o["expected"] = .object(FieldMasking.mask(d.dispute.expected, r))
            if var answer = o["answer"]?.objectValue, let values = answer["values"]?.objectValue {
                answer["values"] = .object(FieldMasking.mask(values, r))
                o["answer"] = .object(answer)
            }
        }
        return .object(o)
    }

    // MARK: Requests

    /// `POST /app/api/share/decide` {"request", "decision": "approve"|"reject", "basis"}: at the
    /// deciding node, by an operator holding data_admin (the Replica checks both).
    func webDecideShare(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let body = try JSONParser.parse(bytes: call.request.body)
        let id = try Self.requiredText(body, "request")
        guard let decision = body["decision"]?.stringValue, decision == "approve" || decision == "reject" else {
            throw ShareError.invalid("decision", "审批结果（decision）应为 approve 或 reject", "decision must be approve or reject")
        }
        return try webShareAction(call, log: "share_decide", id: id, account: account) { replica in
            try replica.decideShare(id, approve: decision == "approve", basis: body["basis"]?.stringValue, operator: account.name)
        }
    }

    /// `POST /app/api/share/revoke` {"request", "reason"}.
    func webRevokeShare(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let body = try JSONParser.parse(bytes: call.request.body)
        let id = try Self.requiredText(body, "request")
        return try webShareAction(call, log: "share_revoke", id: id, account: account) { replica in
            try replica.revokeShare(id, reason: body["reason"]?.stringValue, operator: account.name)
        }
    }

    /// `POST /app/api/share/rate` {"request", "quality": 1–5, "responsiveness": 1–5, "comment"}.
    func webRateShare(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let body = try JSONParser.parse(bytes: call.request.body)
        let id = try Self.requiredText(body, "request")
        var marks: [Int] = []
        for field in ["quality", "responsiveness"] {
            let value = body[field]
            guard let n = value?.int64Value ?? value?.stringValue.flatMap({ Int64($0) }) else {
                throw ShareError.invalid(field, "评分 \(field) 应为 1 到 5 的整数", "\(field) must be a whole number from 1 to 5")
            }
            marks.append(Int(clamping: n))
        }
        return try webShareAction(call, log: "share_rate", id: id, account: account) { replica in
            try replica.rateShare(id, quality: marks[0], responsiveness: marks[1], comment: body["comment"]?.stringValue, operator: account.name)
        }
    }

    func webShareAction(_ call: WebCall, log event: String, id: String, account: OperatorAccount,
                        _ act: (Replica) throws -> RequestState) throws -> HTTPResponse {
        let state = try pool.with { replica in ShareViews.request(try act(replica), try ShareContext.load(replica)) }
        // The event travels with the next round.
        localChange.notify()
        log.event(event, ["request": id, "operator": account.name])
        return Self.webJSON(state)
    }

    // MARK: Quality checks

    /// `POST /app/api/disputes` {"ref" | "resource" and "key", "group", "expected": {…}, "comment"}:
    /// raised here under the operator; it travels to the group's authoritative node.
    func webRaiseDispute(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let body = try JSONParser.parse(bytes: call.request.body)
        let (resource, key) = try webRecordNamed(call, body: body)
        let group = try Self.requiredText(body, "group")
        guard let expected = body["expected"]?.objectValue else {
            throw ShareError.invalid("expected", "请填写期望的值（expected）", "give the expected values (expected)")
        }
        // Empty boxes of the form are not expectations.
        let given = JSONObject(expected.pairs.filter { !($0.value.stringValue?.trimmingCharacters(in: .whitespaces).isEmpty ?? false) && !$0.value.isNull }
            .map { ($0.key, $0.value) })
        let answer = try pool.with { replica -> JSONValue in
            // Each expected value through the record validator first, so its problem is shown under
            // its own box (raiseDispute checks them again and refuses the first one).
            let r = try replica.resource(resource)
            let issues = given.flatMap { field, value in r.field(field).map { replica.validator.normalize($0, value).1 } ?? [] }
            if !issues.isEmpty { throw ReplicaError.invalid(issues) }
            let d = try replica.raiseDispute(resource: resource, key: key, group: group, expected: given,
                                             comment: body["comment"]?.stringValue, operator: account.name)
            return webDispute(d, try ShareContext.load(replica), account, replica.catalogue, call)
        }
        localChange.notify()
        log.event("dispute_raised", ["dispute": answer["id"]?.stringValue ?? "", "operator": account.name])
        return Self.webJSON(answer, status: 201)
    }

    /// `POST /app/api/disputes/answer` {"dispute", "correct": {…}} or {"dispute", "reject": TEXT}:
    /// at the authoritative node; a correction is an ordinary new version checked by the record
    /// validator (its problems per field, 422). Answered by roles that see the values whole.
    func webAnswerDispute(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        guard account.role.seesIdentifiers else {
            throw WebError.forbidden(zh: "只有审核员和管理员可以答复校核", en: "only reviewers and administrators answer quality checks")
        }
        let body = try JSONParser.parse(bytes: call.request.body)
        let id = try Self.requiredText(body, "dispute")
        let correct = body["correct"]?.objectValue
        let reject = body["reject"].flatMap { $0.isNull ? nil : ($0.stringValue ?? "") }
        let answer = try pool.with { replica -> JSONValue in
            let d = try replica.answerDispute(id, correct: correct, reject: reject, operator: account.name)
            if correct != nil { try replica.writeLease() }
            return webDispute(d, try ShareContext.load(replica), account, replica.catalogue, call)
        }
        localChange.notify()
        if correct != nil { routesChanged.notify() }
        log.event("dispute_answered", ["dispute": id, "operator": account.name])
        return Self.webJSON(answer)
    }

    // MARK: Helpers

    static func requiredText(_ body: JSONValue, _ field: String) throws -> String {
        guard let text = body[field]?.stringValue, !text.isEmpty else {
            throw ShareError.invalid(field, "缺少 \(field)", "\(field) is missing")
        }
        return text
    }

    /// A sharing refusal in the web app's error shape, with the field it names.
    static func webShareError(_ e: ShareError) -> HTTPResponse {
        let status = switch e.kind {
        case .invalid: 422
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        }
        return webJSON(["error": .int(status), "message_zh": .string(e.messageZh), "message_en": .string(e.messageEn),
                        "field": .string(e.field)], status: status)
    }
}
