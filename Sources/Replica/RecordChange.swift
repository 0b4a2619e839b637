import Causality
import JSON

/// One entry of a record's change history (`rootsync history`): which node changed which field
/// group, when, and each field from which value to which. Built from the versions the replica
/// holds, superseded ones included, so it is the same audit trail on every node that holds them.
public struct RecordChange: Sendable, Equatable {
    /// One field's change. `before` is null when the group had no earlier version the writer saw.
    public struct Field: Sendable, Equatable {
        public let name: String
        public let before: JSONValue
        public let after: JSONValue
    }

    /// Where the version stands now.
    public enum Standing: String, Sendable {
        /// What the record shows (or a concurrent version that ranks below it: see `conflict`).
        case current
        /// A later version whose writer saw this one replaced it.
        case superseded
    }

    public let resource: String
    public let key: String
    public let group: String
    public let dot: Dot
    /// The writer's hybrid timestamp, in milliseconds since 1970.
    public let atMilliseconds: Int64
    /// The node it came from to this replica; "" when written here.
    public let receivedFrom: String
    public let standing: Standing
    /// True when it is one of several concurrent current versions of its group (an open conflict).
    public let conflict: Bool
    /// The fields whose value this version changed (for a group's first version, those it gave a value).
    public let fields: [Field]

    public var writer: String { dot.actor.node }

    public var json: JSONValue {
        .object(JSONObject([
            ("group", .string(group)), ("version", .string(dot.description)), ("writer", .string(writer)),
            ("epoch", .int(dot.actor.epoch)), ("at_ms", .int(atMilliseconds)), ("received_from", .string(receivedFrom)),
            ("standing", .string(standing.rawValue)), ("conflict", .bool(conflict)),
            ("fields", .array(fields.map { .object(JSONObject([("field", .string($0.name)), ("before", $0.before), ("after", $0.after)])) })),
        ]))
    }
}
