import Foundation
import JSON
import Node
import Replica
import Sharing
import Standards

/// What the `rootsync share …` and `rootsync dispute …` commands share: errors turned into
/// messages naming the field, the node's sharing context, and the printed forms.
enum ShareAccess {
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try ReplicaAccess.mapped(body) } catch let e as ShareError {
            throw CommandError(e.messageZh, e.messageEn, exitCode: e.kind == .notFound ? .notFound : .failure,
                               details: JSONObject([("field", .string(e.field))]))
        } catch let e as ConfigError {
            throw CommandError(e.messageZh, e.messageEn)
        }
    }

    static func context(_ replica: Replica) throws -> ShareContext { try mapped { try ShareContext.load(replica) } }

    static func printRequest(_ s: RequestState, _ c: ShareContext, _ out: OutputSink) {
        let view = ShareViews.request(s, c)
        out.line("申请 request \(s.id) · \(view["state_zh"]?.stringValue ?? "") \(view["state"]?.stringValue ?? "")")
        out.line("  使用方 consumer: \(s.request.consumer)@\(s.author) · 资源 resource: \(s.request.resource)（\(s.request.share.rawValue)）")
        out.line("  数据项 items: \(s.request.items.joined(separator: ",")) · 辖区 jurisdiction: \(s.request.jurisdiction)")
        out.line("  用途 purpose: \(s.request.purpose.labelZh) \(s.request.purpose.rawValue) · 截止 until: \(s.request.until.iso)")
        if s.request.immediate {
            out.line("  无条件共享，已即时授权 · granted at once (无条件共享)")
        } else {
            var due = "审批节点 decided at: \(s.decider)"
            if let d = view["due"]?.stringValue { due += " · 答复期限 due: \(d)" + (view["overdue"] == .bool(true) ? "（已逾期 OVERDUE）" : "") }
            if let u = view["due_unknown"]?["message_en"]?.stringValue { due += " · 期限未知 due date unknown: \(u)" }
            out.line("  " + due)
        }
        if let d = s.decision {
            out.line("  \(d.approved == true ? "批准 approved" : "驳回 rejected") by \(d.operator)@\(d.node) \(c.time.display(stored: d.at))"
                     + (d.comment.map { " · 依据 basis: \($0)" } ?? ""))
        }
        if let r = s.revocation { out.line("  撤销 revoked by \(r.operator)@\(r.node) \(c.time.display(stored: r.at))" + (r.comment.map { " · \($0)" } ?? "")) }
        for r in s.ratings { out.line("  评价 rating: 质量 quality \(r.quality)/5 · 响应 responsiveness \(r.responsiveness)/5" + (r.comment.map { " · \($0)" } ?? "")) }
    }

    static func printDispute(_ s: DisputeState, _ c: ShareContext, _ out: OutputSink) {
        let view = ShareViews.dispute(s, c)
        out.line("校核 dispute \(s.id) · \(s.status.labelZh) \(s.status.rawValue)")
        out.line("  \(s.dispute.resource) \(s.dispute.key) · 字段组 group \(s.dispute.group) · 期望 expected \(JSONValue.object(s.dispute.expected).text)")
        out.line("  发起 raised at \(s.author) by \(s.raised.operator) \(c.time.display(stored: s.raised.at))" + (s.raised.comment.map { " · \($0)" } ?? ""))
        var due = "  答复节点 answered at: \(s.answerer)"
        if let d = view["due"]?.stringValue { due += " · 答复期限 due: \(d)" + (view["overdue"] == .bool(true) ? "（已逾期 OVERDUE）" : "") }
        if let u = view["due_unknown"]?["message_en"]?.stringValue { due += " · 期限未知 due date unknown: \(u)" }
        out.line(due)
        if let a = s.answer {
            switch s.status {
            case .corrected: out.line("  已更正 corrected by \(a.operator)@\(a.node) \(c.time.display(stored: a.at)) · 版本 version \(s.correction ?? "")")
            default: out.line("  已驳回 rejected by \(a.operator)@\(a.node) \(c.time.display(stored: a.at)) · 理由 reason: \(s.reason ?? "")")
            }
        }
    }

    static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func object(_ text: String, option: String) throws -> JSONObject {
        guard let o = (try? JSONParser.parse(text))?.objectValue else {
            throw CommandError("--\(option) 应为 JSON 对象，例如 '{\"name\":\"张三\"}'", "--\(option) must be a JSON object, e.g. '{\"name\":\"张三\"}'",
                               details: JSONObject([("field", .string(option))]))
        }
        return o
    }
}
