import Catalogue
import Causality
import Foundation
import JSON
import Sharing
import SQLite
import Standards

extension Replica {
    /// Every quality check this node knows (raised here, below, or addressed here), newest first.
    public func disputes() throws -> [DisputeState] {
        try threadEvents(Self.disputeKinds).compactMap { DisputeState(id: $0.key, events: $0.value) }
            .sorted { ($0.raised.at, $0.id) > ($1.raised.at, $1.id) }
    }

    public func dispute(_ id: String) throws -> DisputeState {
        guard let events = try threadEvents(Self.disputeKinds, thread: id)[id], let state = DisputeState(id: id, events: events) else {
            throw ShareError.notFound("id", "没有校核 \(id)", "no dispute \(id) here")
        }
        return state
    }

    /// The consumer's side of a dispute: who raised it, under which grant, and how long it had
    /// to (working days from the day the feed delivered the record's current data).
    public struct DisputeRaiser: Sendable {
        public var consumer: String
        public var grant: String
        public var windowDays: Int
        public var zone: TimeZone

        public init(consumer: String, grant: String, windowDays: Int, zone: TimeZone) {
            self.consumer = consumer
            self.grant = grant
            self.windowDays = windowDays
            self.zone = zone
        }
    }

    /// Flags a record's field group as wrong (数据质量校核), with the values expected. The dispute
    /// travels to the node authoritative for the group (一数一源). A consumer's dispute must come
    /// within its window of the feed delivering the record, and only for a record and items of
    /// its grant.
    public func raiseDispute(resource name: String, key rawKey: String, group groupName: String, expected: JSONObject,
                             comment: String?, operator op: String, by raiser: DisputeRaiser? = nil,
                             calendar: WorkingCalendar? = nil) throws -> DisputeState {
        try reloadCatalogueIfChanged()
        let opName = try Self.checkOperator(op)
        guard let r = catalogue.resource(name) else { throw ShareError.invalid("resource", "数据目录中没有资源 \(name)", "no resource \(name) in the catalogue") }
        guard let group = r.group(groupName) else {
            throw ShareError.invalid("group", "\(r.name) 没有字段组 \(groupName)（可选：\(r.groups.map(\.name).joined(separator: ",")))",
                                     "\(r.name) has no field group \(groupName) (groups: \(r.groups.map(\.name).joined(separator: ",")))")
        }
        let key = try normalizedKey(r, rawKey)
        guard let record = try get(r.name, key: key) else {
            throw ShareError.notFound("key", "本节点没有 \(r.name) \(key)", "there is no \(r.name) \(key) here")
        }
        guard !expected.isEmpty else { throw ShareError.invalid("expected", "必须给出期望的值（--expected JSON）", "give the expected values (--expected JSON)") }
        var values = JSONObject()
        for (field, value) in expected {
            guard group.fields.contains(field), let item = r.field(field) else {
                throw ShareError.invalid("expected", "\(field) 不属于字段组 \(group.name)（\(group.fields.joined(separator: ","))）",
                                         "\(field) is not in field group \(group.name) (\(group.fields.joined(separator: ",")))")
            }
            guard field != r.key else {
                throw ShareError.invalid("expected", "主键 \(field) 不能通过校核更改（请删除后重新登记）", "the key \(field) cannot be changed by a dispute")
            }
            let (normal, issues) = validator.normalize(item, value)
            if let issue = issues.first { throw ShareError.invalid("expected", "\(field)：\(issue.messageZh)", "\(field): \(issue.messageEn)") }
            values.append(field, normal)
        }
        let text = try Self.checkText(comment, field: "comment", required: true, zh: "校核必须写明说明（--comment）", en: "a dispute needs a comment (--comment)")
        guard let scope = record[r.scope]?.stringValue else { throw ShareError.invalid("key", "记录没有范围", "the record has no scope") }
        let target = try ShareRules.authoritativeNode(for: group, scope: scope)
        if let raiser {
            let grant = try shareRequest(raiser.grant)
            guard grant.request.consumer == raiser.consumer, grant.author == node.code, grant.request.resource == r.name,
                  scope.hasPrefix(DivisionCode.subtreePrefix(grant.request.jurisdiction)),
                  values.keys.allSatisfy(grant.request.items.contains) else {
                throw ShareError.forbidden("key", "该记录或数据项不在授权 \(raiser.grant) 的范围内", "the record or items are not within grant \(raiser.grant)")
            }
            guard let calendar else { throw ShareError.invalid("calendar", "缺少工作日历", "no working-day calendar") }
            try checkDisputeWindow(grant: raiser.grant, resource: r.name, key: key, days: raiser.windowDays, zone: raiser.zone, calendar: calendar)
        }
        let raised = Dispute(resource: r.name, key: key, group: group.name, expected: values, scope: scope,
                              consumer: raiser?.consumer, grant: raiser?.grant)
        let id = try db.transaction { () -> String in
            let id = try nextWorkflowID()
            try storeEvent(try shareEvent(.disputed, thread: id, author: node.code, target: target, operator: opName, comment: text,
                                          payload: raised.json), link: "")
            try audit("dispute_raise", detail: "dispute=\(id) resource=\(r.name) group=\(group.name) answerer=\(target)"
                      + (raiser.map { " consumer=\($0.consumer) grant=\($0.grant)" } ?? ""), user: opName)
            return id
        }
        return try dispute(id)
    }

    /// A consumer may raise a dispute only within `days` working days of the feed delivering the
    /// record's current data to it (the first feed call under the grant whose range covered the
    /// record's newest change).
    func checkDisputeWindow(grant: String, resource: String, key: String, days: Int, zone: TimeZone, calendar: WorkingCalendar) throws {
        guard let newest = try newestFeedPosition(resource: resource, key: key),
              let delivered = try db.first("SELECT min(at_ms) FROM _rs_feed_call WHERE grant_id = ? AND since < ? AND next >= ?",
                                           grant, newest, newest, map: { $0.isNull(0) ? nil : $0.int64(0) }) ?? nil else {
            throw ShareError.conflict("key", "数据共享接口尚未向你提供这条记录的当前数据，不能校核", "the feed has not delivered this record's current data to you; it cannot be disputed yet")
        }
        guard let day = ShareDeadline.day(milliseconds: delivered, zone: zone) else { return }
        let last: CalendarDate
        do { last = try calendar.deadline(from: day, workingDays: days) } catch let e as WorkingCalendarError {
            throw ShareError.invalid("calendar", e.messageZh, e.messageEn)
        }
        let today = shareToday(zone: zone)
        guard today <= last else {
            throw ShareError.conflict("key", "校核须在收到数据后 \(days) 个工作日内提出（\(day.iso) 收到，最迟 \(last.iso)）",
                                      "a dispute must be raised within \(days) working days of receiving the data (received \(day.iso), last day \(last.iso))")
        }
    }

    /// Answers a dispute here, at the node authoritative for its group: `correct` writes the
    /// values as an ordinary new version of the record (in the same transaction) and closes the
    /// dispute citing it; `reject` closes it with the reason. The answer travels back.
    public func answerDispute(_ id: String, correct: JSONObject?, reject: String?, operator op: String) throws -> DisputeState {
        let opName = try Self.checkOperator(op)
        let state = try dispute(id)
        guard state.status == .open else {
            throw ShareError.conflict("id", "校核 \(id) 已\(state.status.labelZh)", "dispute \(id) is already \(state.status.rawValue)")
        }
        guard state.answerer == node.code else {
            throw ShareError.forbidden("id", "校核 \(id) 由字段组的权威节点 \(state.answerer) 答复，不是本节点 \(node.code)",
                                       "dispute \(id) is answered at the group's authoritative node \(state.answerer), not here (\(node.code))")
        }
        guard (correct == nil) != (reject == nil) else {
            throw ShareError.invalid("answer", "请给出 --correct JSON 或 --reject 理由（二选一）", "give either --correct JSON or --reject TEXT")
        }
        if let reject {
            let text = try Self.checkText(reject, field: "reject", required: true, zh: "驳回校核必须写明理由", en: "a rejection needs a reason")
            try db.transaction {
                try storeEvent(try shareEvent(.answered, thread: id, author: state.author, target: state.answerer, operator: opName,
                                              comment: text, payload: DisputeState.rejectedPayload), link: "")
                try audit("dispute_answer", detail: "dispute=\(id) outcome=rejected", user: opName)
            }
            return try dispute(id)
        }
        let r = try resource(state.dispute.resource)
        guard let group = r.group(state.dispute.group) else { throw ShareError.invalid("group", "字段组已不存在", "the group no longer exists") }
        var patch: JSONObject = [r.key: .string(state.dispute.key)]
        for (field, value) in correct ?? JSONObject() {
            guard group.fields.contains(field), field != r.key else {
                throw ShareError.invalid("correct", "\(field) 不属于字段组 \(group.name)", "\(field) is not in field group \(group.name)")
            }
            patch.append(field, value)
        }
        guard patch.count > 1 else { throw ShareError.invalid("correct", "更正至少要给出一个数据项", "a correction gives at least one item") }
        try db.transaction {
            try put(r.name, patch)
            guard let winner = try view(r, state.dispute.key)?.winners[group.name] else {
                throw ShareError.notFound("key", "更正后找不到 \(r.name) \(state.dispute.key)", "\(r.name) \(state.dispute.key) is missing after the correction")
            }
            var values = JSONObject()
            if let record = try get(r.name, key: state.dispute.key) {
                for f in group.fields where patch[f] != nil { values.append(f, record[f] ?? .null) }
            }
            try storeEvent(try shareEvent(.answered, thread: id, author: state.author, target: state.answerer, operator: opName,
                                          payload: DisputeState.correctedPayload(version: winner.description, values: values)), link: "")
            try audit("dispute_answer", detail: "dispute=\(id) outcome=corrected version=\(winner.description)", user: opName)
        }
        return try dispute(id)
    }
}
