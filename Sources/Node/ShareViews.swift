import Catalogue
import JSON
import Replica
import Sharing

/// Sharing's requests and disputes as JSON, the same for the CLI's `--json` and the local API:
/// state, who and where, times in the node's zone, the working-day deadline and whether it has
/// passed (or why the calendar cannot say).
public enum ShareViews {
    static func time(_ at: String, _ context: ShareContext) -> JSONValue { .string(context.time.rfc3339(stored: at)) }

    static func deadline(_ due: ShareDeadline, open: Bool, _ context: ShareContext, into o: inout JSONObject) {
        switch due {
        case .due(let d):
            o.append("due", .string(d.iso))
            o.append("overdue", .bool(open && due.isOverdue(on: context.today)))
        case .unknown(let zh, let en):
            o.append("due", .null)
            o.append("due_unknown", ["message_zh": .string(zh), "message_en": .string(en)])
            o.append("overdue", .bool(false))
        }
    }

    static func step(_ e: WorkflowEvent, _ context: ShareContext) -> JSONObject {
        var o = JSONObject()
        o.append("node", .string(e.node))
        o.append("operator", .string(e.operator))
        o.append("at", time(e.at, context))
        return o
    }

    public static func request(_ s: RequestState, _ context: ShareContext) -> JSONValue {
        var o = JSONObject()
        o.append("id", .string(s.id))
        o.append("state", .string(s.statusName(on: context.today)))
        o.append("state_zh", .string(s.statusName(on: context.today) == "expired" ? "已过期" : s.status.labelZh))
        o.append("consumer", .string(s.request.consumer))
        o.append("resource", .string(s.request.resource))
        o.append("items", .array(s.request.items.map { .string($0) }))
        o.append("jurisdiction", .string(s.request.jurisdiction))
        o.append("purpose", .string(s.request.purpose.rawValue))
        o.append("purpose_zh", .string(s.request.purpose.labelZh))
        o.append("until", .string(s.request.until.iso))
        o.append("share", .string(s.request.share.rawValue))
        o.append("granted_at_once", .bool(s.request.immediate))
        o.append("node", .string(s.author))
        o.append("decider", .string(s.decider))
        o.append("requested_at", time(s.requested.at, context))
        o.append("requested_by", .string(s.requested.operator))
        if !s.request.immediate {
            deadline(context.deadline(of: s.requested.at, workingDays: ShareRules.answerRequestDays), open: s.status == .pending, context, into: &o)
        }
        if let d = s.decision {
            var x = step(d, context)
            x.append("decision", .string(d.approved == true ? "approve" : "reject"))
            x.append("basis", d.comment.map { .string($0) } ?? .null)
            o.append("decision", .object(x))
        } else {
            o.append("decision", .null)
        }
        if let r = s.revocation {
            var x = step(r, context)
            x.append("reason", r.comment.map { .string($0) } ?? .null)
            o.append("revocation", .object(x))
        } else {
            o.append("revocation", .null)
        }
        o.append("ratings", .array(s.ratings.map { r in
            ["quality": .int(r.quality), "responsiveness": .int(r.responsiveness), "comment": r.comment.map { .string($0) } ?? .null,
             "operator": .string(r.operator), "at": time(r.at, context)]
        }))
        return .object(o)
    }

    public static func dispute(_ s: DisputeState, _ context: ShareContext) -> JSONValue {
        var o = JSONObject()
        o.append("id", .string(s.id))
        o.append("state", .string(s.status.rawValue))
        o.append("state_zh", .string(s.status.labelZh))
        o.append("resource", .string(s.dispute.resource))
        o.append("key", .string(s.dispute.key))
        o.append("group", .string(s.dispute.group))
        o.append("expected", .object(s.dispute.expected))
        o.append("comment", s.raised.comment.map { .string($0) } ?? .null)
        o.append("node", .string(s.author))
        o.append("answerer", .string(s.answerer))
        o.append("raised_at", time(s.raised.at, context))
        o.append("raised_by", .string(s.raised.operator))
        o.append("consumer", s.dispute.consumer.map { .string($0) } ?? .null)
        o.append("grant", s.dispute.grant.map { .string($0) } ?? .null)
        deadline(context.deadline(of: s.raised.at, workingDays: ShareRules.answerDisputeDays), open: s.status == .open, context, into: &o)
        if let a = s.answer {
            var x = step(a, context)
            x.append("outcome", .string(s.status.rawValue))
            if let v = s.correction { x.append("version", .string(v)) }
            if let values = s.corrected { x.append("values", .object(values)) }
            if let reason = s.reason { x.append("reason", .string(reason)) }
            o.append("answer", .object(x))
        } else {
            o.append("answer", .null)
        }
        return .object(o)
    }

    /// The overdue flags as `status` shows them.
    public static func overdue(_ o: ShareOverdue) -> JSONValue {
        ["requests_pending": .int(o.requestsPending),
         "requests_overdue": .array(o.requestsOverdue.map { .string($0) }),
         "requests_overdue_here": .array(o.requestsOverdueHere.map { .string($0) }),
         "disputes_open": .int(o.disputesOpen),
         "disputes_overdue": .array(o.disputesOverdue.map { .string($0) }),
         "disputes_overdue_here": .array(o.disputesOverdueHere.map { .string($0) }),
         "deadlines_unknown": .array(o.deadlinesUnknown.map { .string($0) })]
    }
}
