import Causality
import JSON

/// One page of a pull (`POST /v1/sync/pull`): versions after the child's cursor, the cursor to
/// send next time, and whether more is waiting.
public struct PullPage: Equatable, Sendable {
    public var versions: [GroupVersion]
    public var cursor: PullCursor
    public var more: Bool
    /// The catalogue version the page needs (the parent's).
    public var catalogue: Int
    /// The child's route cursor was behind a position it had already confirmed: the child went
    /// back in time with its lease, and this page starts a scan of its subtree again.
    public var rewound = false
    /// With the page that leaves nothing to pull: how far the parent had received the root's
    /// feed before it read the page, so the child now holds all of that (for purging tombstones).
    public var received: RootPosition?
    /// When the child asked for an estimate (`"estimate": true`, on the first page of a round):
    /// how many versions the parent still has for it after this page, counted when the page was
    /// read (so a long load can show how far it is). Nil when not asked, or from an earlier release.
    public var remaining: Int64?

    public init(versions: [GroupVersion], cursor: PullCursor, more: Bool, catalogue: Int = 0) {
        self.versions = versions
        self.cursor = cursor
        self.more = more
        self.catalogue = catalogue
    }

    public var json: JSONValue {
        ["versions": VersionBatch.encode(versions), "cursor": cursor.json, "more": .bool(more),
         "catalogue": .int(catalogue), "rewound": .bool(rewound), "received": received?.json ?? .null,
         "remaining": remaining.map { .int($0) } ?? .null]
    }

    /// `catalogue`, `rewound` and `received` came in later releases of protocol 1: absent, they
    /// mean 0 (no particular catalogue), false and unknown.
    public init(json: JSONValue) throws {
        guard json.objectValue != nil else { throw WireError("a pull answer must be an object") }
        guard let c = json["cursor"] else { throw WireError("pull answer without cursor") }
        guard let more = json["more"]?.boolValue else { throw WireError("a pull answer needs more (a boolean)") }
        let catalogue = try json["catalogue"].map { value -> Int64 in
            guard let v = value.int64Value, v >= 0, v <= Int64(Int32.max) else { throw WireError("catalogue must be a catalogue version (0…\(Int32.max))") }
            return v
        } ?? 0
        self.init(versions: try VersionBatch.decode(json["versions"]), cursor: try PullCursor(json: c), more: more, catalogue: Int(catalogue))
        if let r = json["rewound"], !r.isNull {
            guard let b = r.boolValue else { throw WireError("rewound must be a boolean") }
            rewound = b
        }
        received = try json["received"].flatMap { $0.isNull ? nil : try RootPosition(json: $0) }
        if let r = json["remaining"], !r.isNull {
            guard let n = r.int64Value, n >= 0 else { throw WireError("remaining must be a number of versions (≥ 0)") }
            remaining = n
        }
    }
}
