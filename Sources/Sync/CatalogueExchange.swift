import JSON

/// The catalogue part of a sync round (`POST /v1/catalogue/exchange`), run before any data so a
/// child never receives data it cannot validate. The child sends its catalogue version, the
/// workflow events its parent may lack (drafts and reviews travel up) and its cursor into the
/// parent's events; the parent answers with every newer published catalogue (publication
/// travels down), the events of drafts written in the child's subtree, and the next cursor.
public struct CatalogueExchange: Equatable, Sendable {
    public static let maxEvents = 500
    public static let maxCatalogues = 100

    public var catalogueVersion: Int
    public var events: [JSONValue]
    /// A position in the parent's event log, valid only for the parent database it names (a
    /// parent restored from a backup starts the child's cursor again; events are idempotent).
    public var cursor: Int64
    public var database: String
    /// The newest version of the parent's own writer that the child holds (actor, counter,
    /// digest): if the parent never issued that counter, or issued it for something else, the
    /// parent went back in time with its lease and must take a new epoch before writing again.
    public var parentNewest: (actor: String, seq: Int64, digest: String)?
    /// The child's `SyncProtocol.features` (absent from an earlier release's request: none). The
    /// parent sends down only the events the child can read.
    public var features: Set<String>

    public init(catalogueVersion: Int, events: [JSONValue], cursor: Int64, database: String,
                parentNewest: (actor: String, seq: Int64, digest: String)? = nil, features: Set<String> = SyncProtocol.features) {
        self.catalogueVersion = catalogueVersion
        self.events = events
        self.cursor = cursor
        self.database = database
        self.parentNewest = parentNewest
        self.features = features
    }

    public static func == (a: CatalogueExchange, b: CatalogueExchange) -> Bool {
        a.catalogueVersion == b.catalogueVersion && a.events == b.events && a.cursor == b.cursor && a.database == b.database
            && a.parentNewest?.actor == b.parentNewest?.actor && a.parentNewest?.seq == b.parentNewest?.seq
            && a.parentNewest?.digest == b.parentNewest?.digest && a.features == b.features
    }

    public var json: JSONValue {
        var o: JSONObject = ["catalogue_version": .int(catalogueVersion), "events": .array(events), "cursor": .int(cursor), "database": .string(database)]
        if let p = parentNewest { o["parent_newest"] = [.string(p.actor), .int(p.seq), .string(p.digest)] }
        o["features"] = SyncProtocol.json(features: features)
        return .object(o)
    }

    public init(json: JSONValue) throws {
        guard let v = json["catalogue_version"]?.int64Value, v >= 0, let c = json["cursor"]?.int64Value, c >= 0 else {
            throw WireError("catalogue exchange needs catalogue_version and cursor (non-negative integers)")
        }
        guard let events = json["events"]?.arrayValue else { throw WireError("events must be an array") }
        guard events.count <= Self.maxEvents else { throw WireError("at most \(Self.maxEvents) events per exchange, found \(events.count)") }
        var newest: (actor: String, seq: Int64, digest: String)?
        if let p = json["parent_newest"]?.arrayValue {
            guard p.count == 3, let a = p[0].stringValue, a.utf8.count <= 40, let s = p[1].int64Value, s > 0,
                  let d = p[2].stringValue, d.utf8.count <= 128 else { throw WireError("parent_newest must be [actor, counter, digest]") }
            newest = (a, s, d)
        }
        self.init(catalogueVersion: Int(v), events: events, cursor: c, database: json["database"]?.stringValue ?? "", parentNewest: newest,
                  features: try SyncProtocol.features(json["features"]))
    }

    /// The parent's answer.
    public struct Answer: Equatable, Sendable {
        public var catalogues: [JSONValue]
        public var events: [JSONValue]
        public var cursor: Int64
        public var database: String
        /// How many of the child's events were new to the parent.
        public var accepted: Int

        public init(catalogues: [JSONValue], events: [JSONValue], cursor: Int64, database: String, accepted: Int) {
            self.catalogues = catalogues
            self.events = events
            self.cursor = cursor
            self.database = database
            self.accepted = accepted
        }

        public var json: JSONValue {
            ["catalogues": .array(catalogues), "events": .array(events), "cursor": .int(cursor), "database": .string(database),
             "accepted": .int(accepted)]
        }

        public init(json: JSONValue) throws {
            guard let catalogues = json["catalogues"]?.arrayValue, let events = json["events"]?.arrayValue,
                  let cursor = json["cursor"]?.int64Value, cursor >= 0 else {
                throw WireError("catalogue answer needs catalogues, events and cursor")
            }
            guard catalogues.count <= CatalogueExchange.maxCatalogues, events.count <= CatalogueExchange.maxEvents else {
                throw WireError("catalogue answer too large")
            }
            self.init(catalogues: catalogues, events: events, cursor: cursor, database: json["database"]?.stringValue ?? "",
                      accepted: Int(json["accepted"]?.int64Value ?? 0))
        }
    }
}
