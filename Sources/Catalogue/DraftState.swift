/// Where a draft stands, derived from its events alone (so every node that holds the same
/// events shows the same state).
public struct DraftState: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pending
        case rejected
        case published

        public var labelZh: String {
            switch self {
            case .pending: return "审核中"
            case .rejected: return "已退回"
            case .published: return "已发布"
            }
        }
    }

    public let id: String
    public let author: String
    public let draft: CatalogueDraft?
    public let status: Status
    /// The step that must happen next (pending drafts) and the node that performs it.
    public let nextStep: ReviewStep?
    public let events: [WorkflowEvent]

    public var reviewer: String? { nextStep.map { $0.reviewer(forAuthor: author) } }
    public var title: String { draft?.title ?? id }
    /// The catalogue version that published this draft.
    public var publishedVersion: Int? { events.first { $0.kind == .published }?.version }
    /// The rejecting review, with its comment.
    public var rejection: WorkflowEvent? { events.first { $0.kind == .reviewed && $0.approved == false } }

    public init(id: String, events unordered: [WorkflowEvent]) {
        self.id = id
        let events = unordered.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        self.events = events
        let drafted = events.first { $0.kind == .drafted }
        author = drafted?.author ?? events.first?.author ?? ""
        draft = drafted?.body
        if events.contains(where: { $0.kind == .published }) {
            status = .published
            nextStep = nil
        } else if events.contains(where: { $0.kind == .reviewed && $0.approved == false }) {
            status = .rejected
            nextStep = nil
        } else {
            status = .pending
            let approved = Set(events.compactMap { $0.kind == .reviewed && $0.approved == true ? $0.step : nil })
            nextStep = ReviewStep.allCases.first { !approved.contains($0) }
        }
    }
}
