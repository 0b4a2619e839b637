import Catalogue
import JSON
import Standards

/// Where a data request stands, derived from its events alone (so every node that holds the
/// same events shows the same state): waiting for the provider, granted, rejected with its
/// basis, or revoked. Expiry is a matter of the date (`isActive(on:)`), not of an event.
public struct RequestState: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pending
        case granted
        case rejected
        case revoked

        public var labelZh: String {
            switch self {
            case .pending: "待审批"
            case .granted: "已授权"
            case .rejected: "已驳回"
            case .revoked: "已撤销"
            }
        }
    }

    public let id: String
    /// The node where the request was made (its consumer is registered there).
    public let author: String
    /// The node whose data administrator decides it.
    public let decider: String
    public let request: ShareRequest
    public let requested: WorkflowEvent
    public let decision: WorkflowEvent?
    public let revocation: WorkflowEvent?
    public let ratings: [Rating]
    public let events: [WorkflowEvent]

    public var status: Status {
        if revocation != nil { return .revoked }
        if request.immediate { return .granted }
        guard let decision else { return .pending }
        return decision.approved == true ? .granted : .rejected
    }

    /// The basis a rejection cited.
    public var basis: String? { status == .rejected ? decision?.comment : nil }

    /// Granted, not revoked, and `today` not after its end date.
    public func isActive(on today: CalendarDate) -> Bool { status == .granted && today <= request.until }

    /// "expired" for a grant past its end date, else the status's name.
    public func statusName(on today: CalendarDate) -> String {
        status == .granted && today > request.until ? "expired" : status.rawValue
    }

    /// The state of a thread, or nil when its events hold no well-formed request.
    public init?(id: String, events unordered: [WorkflowEvent]) {
        let events = unordered.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        guard let first = events.first(where: { $0.kind == .requested && $0.id == id }), let payload = first.payload,
              let request = try? ShareRequest(json: payload) else { return nil }
        self.id = id
        self.events = events
        requested = first
        let author = first.author, decider = first.target ?? first.author
        self.author = author
        self.decider = decider
        self.request = request
        // Only the decider's first decision counts.
        decision = request.immediate ? nil : events.first { $0.kind == .decided && $0.node == decider }
        revocation = events.first { $0.kind == .revoked && ($0.node == decider || $0.node == author) }
        ratings = events.compactMap { e in
            guard e.kind == .rated, e.node == first.author, let p = e.payload else { return nil }
            return try? Rating(json: p, comment: e.comment, at: e.at, node: e.node, operator: e.operator)
        }
    }
}
