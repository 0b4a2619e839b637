import Causality
import JSON
import SQLite

/// Reads the versions of a replica file through a plain connection, for tools that must not
/// open it as a `Replica` (opening takes the lease and may take an epoch): the chaos harness's
/// oracle and the integration tests. Vectors and values come out as the JSON text the wire uses,
/// so a reader needs nothing of the storage encoding.
public struct VersionFile {
    /// One stored version.
    public struct Row: Sendable, Equatable {
        public let id: Int64
        public let actor: String
        public let seq: Int64
        public let resource: String
        public let key: String
        public let group: String
        public let hlc: Int64
        /// `{"actor": counter, …}` in actor order, as on the wire.
        public let vv: String
        /// The group's values as a JSON object.
        public let values: String
        public let scope: String
        public let current: Bool
        /// The node it came from; "" when written here.
        public let link: String
    }

    let db: Database

    public init(_ db: Database) throws { self.db = db }
    /// Versions in feed order whose row matches `condition`, an SQL expression over `v` (the
    /// version: `v.id`, `v.seq`, `v.current`, …), `r` (its record: `r.resource`, `r.key`),
    /// `a.name` (the actor) and `g.name` (the group). Links: `v.link = 0` for local versions.
    public func rows(where condition: String = "1", _ arguments: SQLBindable?...) throws -> [Row] {
        var out: [Row] = []
        try forEach(where: condition, arguments: arguments) { out.append($0) }
        return out
    }

    public func forEach(where condition: String = "1", arguments: [SQLBindable?] = [], _ body: (Row) throws -> Void) throws {
        // Names are looked up as rows need them: the file may be written while it is read, and a
        // row read now may name an actor added after any list taken before.
        var actors: [Int64: Actor] = [:]
        var names: [Int64: String] = [0: ""]
        func actor(_ id: Int64) throws -> Actor {
            if let a = actors[id] { return a }
            guard let name = try db.scalarText("SELECT name FROM _rs_actor WHERE id = ?", id), let a = Actor(name) else {
                throw StorageCodec.Malformed(what: "unknown actor row \(id)")
            }
            actors[id] = a
            return a
        }
        func name(_ id: Int64) throws -> String {
            if let n = names[id] { return n }
            guard let n = try db.scalarText("SELECT name FROM _rs_name WHERE id = ?", id) else {
                throw StorageCodec.Malformed(what: "unknown name row \(id)")
            }
            names[id] = n
            return n
        }
        try db.forEach("""
            SELECT v.id, v.actor, v.seq, r.resource, r.key, v.grp, v.hlc, v.vv, v.vals, v.scope, v.current, v.link
            FROM _rs_version v JOIN _rs_record r ON r.id = v.record JOIN _rs_actor a ON a.id = v.actor
            JOIN _rs_name g ON g.id = v.grp
            WHERE \(condition) ORDER BY v.id
            """, arguments: arguments) { row in
            let vv = try row.withBlob(7) { try StorageCodec.decodeVector($0, actor: actor) }
            let values = try row.withBlob(8) { try StorageCodec.decodeValues($0) }
            try body(Row(id: row.int64(0), actor: try actor(row.int64(1)).description, seq: row.int64(2),
                         resource: row.string(3), key: row.string(4), group: try name(row.int64(5)), hlc: row.int64(6),
                         vv: vv.json.text, values: JSONValue.object(values).text, scope: row.string(9),
                         current: row.int(10) == 1, link: try name(row.int64(11))))
        }
    }
}
