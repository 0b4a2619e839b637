import JSON

/// `POST /v1/sync/purges`, the last call of a round: the child reports how far its whole subtree
/// is known to have received the root's feed (having pushed everything written before), and
/// receives the purge notices its parent holds for records in its subtree, after its cursor.
public struct PurgeExchange: Equatable, Sendable {
    /// A position in the parent's list of purge notices, valid for the parent database named.
    public struct Cursor: Equatable, Sendable {
        public var database: String
        public var position: Int64
        public init(database: String, position: Int64) {
            self.database = database
            self.position = position
        }
        public var json: JSONValue { ["database": .string(database), "position": .int(position)] }
        public init(json: JSONValue) throws {
            guard let database = json["database"]?.stringValue, database.utf8.count <= 64,
                  let position = json["position"]?.int64Value, position >= 0 else {
                throw WireError("a purge cursor needs database and position (≥ 0)")
            }
            self.init(database: database, position: position)
        }
    }

    /// At most this many notices per answer.
    public static let maxNotices = 1_000

    /// Nil when the child cannot vouch for its subtree (a child that has not reported, a push
    /// that did not finish, a version set aside): then nothing below it counts as stable.
    public var stable: RootPosition?
    public var cursor: Cursor?
    public var limit: Int

    public init(stable: RootPosition?, cursor: Cursor?, limit: Int = PurgeExchange.maxNotices) {
        self.stable = stable
        self.cursor = cursor
        self.limit = limit
    }

    public var json: JSONValue {
        ["stable": stable?.json ?? .null, "cursor": cursor?.json ?? .null, "limit": .int(limit)]
    }

    public init(json: JSONValue) throws {
        guard json.objectValue != nil else { throw WireError("the purge exchange must be an object") }
        stable = try json["stable"].flatMap { $0.isNull ? nil : try RootPosition(json: $0) }
        cursor = try json["cursor"].flatMap { $0.isNull ? nil : try Cursor(json: $0) }
        guard let l = json["limit"]?.int64Value, l >= 1 else { throw WireError("the purge exchange needs limit ≥ 1") }
        limit = Int(min(l, Int64(Self.maxNotices)))
    }

    public struct Answer: Equatable, Sendable {
        public var notices: [PurgeNotice]
        public var cursor: Cursor
        public var more: Bool
        public init(notices: [PurgeNotice], cursor: Cursor, more: Bool) {
            self.notices = notices
            self.cursor = cursor
            self.more = more
        }

        public var json: JSONValue {
            ["notices": .array(notices.map(\.json)), "cursor": cursor.json, "more": .bool(more)]
        }

        public init(json: JSONValue) throws {
            guard let list = json["notices"]?.arrayValue else { throw WireError("notices must be an array") }
            guard list.count <= PurgeExchange.maxNotices else { throw WireError("at most \(PurgeExchange.maxNotices) notices per answer") }
            guard let c = json["cursor"] else { throw WireError("the purge answer needs a cursor") }
            guard let more = json["more"]?.boolValue else { throw WireError("the purge answer needs more (a boolean)") }
            var notices: [PurgeNotice] = []
            for (i, n) in list.enumerated() {
                do { notices.append(try PurgeNotice(json: n)) } catch let e as WireError { throw WireError("notices[\(i)]: \(e.message)") }
            }
            self.init(notices: notices, cursor: try Cursor(json: c), more: more)
        }
    }
}
