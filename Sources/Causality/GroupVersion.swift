import JSON

/// One version of one field group of one record: the unit that is written, stored, sent and
/// merged. Fields that state one fact together change as a unit, so a record never mixes a
/// group's fields from different versions.
public struct GroupVersion: Sendable, Equatable {
    public var resource: String
    public var key: String
    public var group: String
    public var dot: Dot
    /// What the writer had seen of this group (for the existence group: of the whole record).
    public var vector: VersionVector
    public var hlc: Int64
    /// The group's fields. Tag groups hold `[[tag, actor, seq], …]` per field; the existence
    /// group holds `{"deleted": bool}`.
    public var values: JSONObject
    /// The record's scope (division code) as the writer saw it, for routing.
    public var scope: String

    public init(resource: String, key: String, group: String, dot: Dot, vector: VersionVector,
                hlc: Int64, values: JSONObject, scope: String) {
        self.resource = resource
        self.key = key
        self.group = group
        self.dot = dot
        self.vector = vector
        self.hlc = hlc
        self.values = values
        self.scope = scope
    }

    /// The name of the group every record has: whether it exists or is deleted.
    public static let existence = "_exists"

    public var isExistence: Bool { group == Self.existence }
    public var isDelete: Bool { isExistence && values["deleted"] == .bool(true) }

    /// True when `other`'s writer had seen this version.
    public func isCovered(by other: GroupVersion) -> Bool { other.dot != dot && other.vector.covers(dot) }

    public var json: JSONValue {
        var o = JSONObject()
        o.append("resource", .string(resource))
        o.append("key", .string(key))
        o.append("group", .string(group))
        o.append("actor", .string(dot.actor.description))
        o.append("seq", .int(dot.seq))
        o.append("vv", vector.json)
        o.append("hlc", .int(hlc))
        o.append("scope", .string(scope))
        o.append("values", .object(values))
        return .object(o)
    }

    public init(json: JSONValue) throws {
        func string(_ k: String) throws -> String {
            guard let s = json[k]?.stringValue, !s.isEmpty else { throw CausalityError.malformed("missing \(k)") }
            return s
        }
        guard let actor = Actor(try string("actor")) else { throw CausalityError.malformed("bad actor") }
        guard let seq = json["seq"]?.int64Value, Dot.isValidSeq(seq) else { throw CausalityError.malformed("bad seq (1…\(Dot.maxSeq))") }
        guard let hlc = json["hlc"]?.int64Value, hlc >= 0 else { throw CausalityError.malformed("bad hlc") }
        guard let values = json["values"]?.objectValue else { throw CausalityError.malformed("missing values") }
        let vector = try VersionVector(json: json["vv"] ?? .null)
        let dot = Dot(actor: actor, seq: seq)
        // Exactly its own dot: a larger entry would claim to have seen versions its writer never made yet.
        guard vector[actor] == seq else { throw CausalityError.malformed("version vector must hold exactly the version's own dot") }
        self.init(resource: try string("resource"), key: try string("key"), group: try string("group"),
                  dot: dot, vector: vector, hlc: hlc, values: values, scope: try string("scope"))
    }
}
