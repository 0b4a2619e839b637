import Foundation
import Standards

/// The overdue flags a node shows (`status`, `/metrics`, the rolled-up tree): requests waiting
/// past their 5 working days and quality checks unanswered past their 3, those this node must
/// act on (`…DueHere`, what the tree and metrics count, so a roll-up counts each once) and all it
/// knows of. Items whose deadline the calendar cannot give are counted apart, never guessed.
public struct ShareOverdue: Sendable, Equatable {
    public var requestsPending = 0
    public var requestsOverdue: [String] = []
    public var requestsOverdueHere: [String] = []
    public var disputesOpen = 0
    public var disputesOverdue: [String] = []
    public var disputesOverdueHere: [String] = []
    /// Open items whose due date falls in a year the calendar does not cover.
    public var deadlinesUnknown: [String] = []

    public init() {}

    public init(requests: [RequestState], disputes: [DisputeState], node: String, calendar: WorkingCalendar,
                zone: TimeZone, today: CalendarDate) {
        for s in requests where s.status == .pending {
            requestsPending += 1
            let due = ShareDeadline.of(s.requested.at, workingDays: ShareRules.answerRequestDays, zone: zone, calendar: calendar)
            if due.date == nil { deadlinesUnknown.append(s.id) }
            guard due.isOverdue(on: today) else { continue }
            requestsOverdue.append(s.id)
            if s.decider == node { requestsOverdueHere.append(s.id) }
        }
        for s in disputes where s.status == .open {
            disputesOpen += 1
            let due = ShareDeadline.of(s.raised.at, workingDays: ShareRules.answerDisputeDays, zone: zone, calendar: calendar)
            if due.date == nil { deadlinesUnknown.append(s.id) }
            guard due.isOverdue(on: today) else { continue }
            disputesOverdue.append(s.id)
            if s.answerer == node { disputesOverdueHere.append(s.id) }
        }
    }
}
