import JSON

/// A point in the root's (the city's) change feed: its database id and the id of a stored run
/// there. Tombstone purging counts in it: a node that has received the root's feed up to a
/// position holds every delete stored there before it. Positions of another root database (the
/// root was restored or copied) are not comparable and count as nothing.
public struct RootPosition: Equatable, Sendable {
    public var database: String
    public var position: Int64

    public init(database: String, position: Int64) {
        self.database = database
        self.position = position
    }

    public var json: JSONValue { ["database": .string(database), "position": .int(position)] }

    public init(json: JSONValue) throws {
        guard let database = json["database"]?.stringValue, !database.isEmpty, database.utf8.count <= 64,
              let position = json["position"]?.int64Value, position >= 0 else {
            throw WireError("a root position needs database (1–64 characters) and position (≥ 0)")
        }
        self.init(database: database, position: position)
    }

    /// The lowest of several positions, when all belong to one root database; nil when any is
    /// missing or names another database (then nothing is known to be stable).
    public static func lowest(_ positions: [RootPosition?]) -> RootPosition? {
        guard let first = positions.first, let first else { return nil }
        var low = first
        for p in positions.dropFirst() {
            guard let p, p.database == low.database else { return nil }
            if p.position < low.position { low = p }
        }
        return low
    }
}
