import Catalogue
import JSON

/// Where a quality check stands, derived from its events alone: open, corrected (closed citing
/// the new version that fixed the data) or rejected with a reason. Only the answer of the node
/// authoritative for the group counts.
public struct DisputeState: Sendable, Equatable {
    public enum Status: String, Sendable {
        case open
        case corrected
        case rejected

        public var labelZh: String {
            switch self {
            case .open: "待答复"
            case .corrected: "已更正"
            case .rejected: "已驳回"
            }
        }
    }

    public let id: String
    /// The node where it was raised.
    public let author: String
    /// The node authoritative for the disputed group, which answers.
    public let answerer: String
    public let dispute: Dispute
    public let raised: WorkflowEvent
    public let answer: WorkflowEvent?
    public let events: [WorkflowEvent]

    public var status: Status {
        guard let answer else { return .open }
        return answer.payload?["outcome"]?.stringValue == "corrected" ? .corrected : .rejected
    }

    /// The version that corrected the data ("actor:counter"), when corrected.
    public var correction: String? { status == .corrected ? answer?.payload?["version"]?.stringValue : nil }
    /// The values written by the correction.
    public var corrected: JSONObject? { status == .corrected ? answer?.payload?["values"]?.objectValue : nil }
    /// Why it was rejected.
    public var reason: String? { status == .rejected ? answer?.comment : nil }

    /// The payload of an `answered` event that corrects.
    public static func correctedPayload(version: String, values: JSONObject) -> JSONValue {
        ["outcome": "corrected", "version": .string(version), "values": .object(values)]
    }

    public static let rejectedPayload: JSONValue = ["outcome": "rejected"]

    public init?(id: String, events unordered: [WorkflowEvent]) {
        let events = unordered.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        guard let first = events.first(where: { $0.kind == .disputed && $0.id == id }), let payload = first.payload,
              let dispute = try? Dispute(json: payload) else { return nil }
        self.id = id
        self.events = events
        raised = first
        author = first.author
        self.answerer = first.target ?? first.author
        self.dispute = dispute
        let answerer = first.target ?? first.author
        answer = events.first { $0.kind == .answered && $0.node == answerer }
    }
}
