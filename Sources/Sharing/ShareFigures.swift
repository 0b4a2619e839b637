import Catalogue
import Foundation
import JSON
import Standards

/// The figures the city shows per provider and resource for the yearly review: requests and how
/// they were decided, answer times in working days, overdue and late answers, quality checks,
/// and the consumers' ratings (评价). Pure: computed from the events a node holds (the city holds
/// every one), the catalogue (who provides what), the calendar and the day.
public struct ShareFigures: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var provider: String
        public var providerCode: String
        public var resource: String
        public var requests = 0
        public var granted = 0
        public var rejected = 0
        public var pending = 0
        public var revoked = 0
        /// Requests waiting past their deadline today, and requests answered after it.
        public var requestsOverdue = 0
        public var requestsLate = 0
        /// Working days from request to decision, for the decided ones.
        public var requestAnswerDays: [Int] = []
        public var disputes = 0
        public var disputesOpen = 0
        public var disputesCorrected = 0
        public var disputesRejected = 0
        public var disputesOverdue = 0
        public var disputesLate = 0
        public var disputeAnswerDays: [Int] = []
        public var ratings: [Rating] = []

        static func mean(_ xs: [Int]) -> JSONValue {
            xs.isEmpty ? .null : .number(String(format: "%.2f", Double(xs.reduce(0, +)) / Double(xs.count)))
        }

        public var json: JSONValue {
            var o = JSONObject()
            o.append("provider", .string(provider))
            o.append("provider_code", .string(providerCode))
            o.append("resource", .string(resource))
            o.append("requests", .int(requests))
            o.append("granted", .int(granted))
            o.append("rejected", .int(rejected))
            o.append("pending", .int(pending))
            o.append("revoked", .int(revoked))
            o.append("requests_overdue", .int(requestsOverdue))
            o.append("requests_answered_late", .int(requestsLate))
            o.append("request_answer_working_days_mean", Self.mean(requestAnswerDays))
            o.append("disputes", .int(disputes))
            o.append("disputes_open", .int(disputesOpen))
            o.append("disputes_corrected", .int(disputesCorrected))
            o.append("disputes_rejected", .int(disputesRejected))
            o.append("disputes_overdue", .int(disputesOverdue))
            o.append("disputes_answered_late", .int(disputesLate))
            o.append("dispute_answer_working_days_mean", Self.mean(disputeAnswerDays))
            o.append("ratings", .int(ratings.count))
            o.append("quality_mean", Self.mean(ratings.map(\.quality)))
            o.append("responsiveness_mean", Self.mean(ratings.map(\.responsiveness)))
            return .object(o)
        }
    }

    public var rows: [Row]

    public init(requests: [RequestState], disputes: [DisputeState], catalogue: Catalogue, calendar: WorkingCalendar,
                zone: TimeZone, today: CalendarDate) {
        var byKey: [String: Row] = [:]
        func key(_ resource: String) -> String {
            let r = catalogue.resource(resource)
            let k = "\(r?.meta.providerCode ?? "")\u{1F}\(resource)"
            if byKey[k] == nil { byKey[k] = Row(provider: r?.meta.provider ?? "", providerCode: r?.meta.providerCode ?? "", resource: resource) }
            return k
        }
        for s in requests {
            let k = key(s.request.resource)
            byKey[k]!.requests += 1
            switch s.status {
            case .pending: byKey[k]!.pending += 1
            case .granted: byKey[k]!.granted += 1
            case .rejected: byKey[k]!.rejected += 1
            case .revoked: byKey[k]!.revoked += 1
            }
            byKey[k]!.ratings += s.ratings
            guard !s.request.immediate else { continue }
            let due = ShareDeadline.of(s.requested.at, workingDays: ShareRules.answerRequestDays, zone: zone, calendar: calendar)
            if let decision = s.decision {
                if let days = ShareDeadline.workingDays(from: s.requested.at, to: decision.at, zone: zone, calendar: calendar) {
                    byKey[k]!.requestAnswerDays.append(days)
                }
                if let d = due.date, let answered = ShareDeadline.day(of: decision.at, zone: zone), answered > d { byKey[k]!.requestsLate += 1 }
            } else if s.status == .pending, due.isOverdue(on: today) {
                byKey[k]!.requestsOverdue += 1
            }
        }
        for s in disputes {
            let k = key(s.dispute.resource)
            byKey[k]!.disputes += 1
            switch s.status {
            case .open: byKey[k]!.disputesOpen += 1
            case .corrected: byKey[k]!.disputesCorrected += 1
            case .rejected: byKey[k]!.disputesRejected += 1
            }
            let due = ShareDeadline.of(s.raised.at, workingDays: ShareRules.answerDisputeDays, zone: zone, calendar: calendar)
            if let answer = s.answer {
                if let days = ShareDeadline.workingDays(from: s.raised.at, to: answer.at, zone: zone, calendar: calendar) {
                    byKey[k]!.disputeAnswerDays.append(days)
                }
                if let d = due.date, let answered = ShareDeadline.day(of: answer.at, zone: zone), answered > d { byKey[k]!.disputesLate += 1 }
            } else if due.isOverdue(on: today) {
                byKey[k]!.disputesOverdue += 1
            }
        }
        rows = byKey.values.sorted { ($0.providerCode, $0.resource) < ($1.providerCode, $1.resource) }
    }
}
