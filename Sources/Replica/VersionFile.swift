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
        /// The run's row: its change-feed position (the versions of one write share it).
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
    /// Versions in feed order whose run matches `condition`, an SQL expression over `v` (the run:
    /// `v.id`, `v.seq`, `v.n`, `v.link`, …), `r` (its record: `r.resource`, `r.key`) and `a.name`
    /// (the actor). Links: `v.link = 0` for local versions. Filter on `Row.current` and
    /// `Row.group` in Swift: they are per version, inside the run.
    public func rows(where condition: String = "1", _ arguments: SQLBindable?...) throws -> [Row] {
        var out: [Row] = []
        try forEach(where: condition, arguments: arguments) { out.append($0) }
        return out
    }

    public func forEach(where condition: String = "1", arguments: [SQLBindable?] = [], _ body: (Row) throws -> Void) throws {
        let names = Names(db)
        try db.forEach("""
            SELECT v.id, v.actor, v.seq, v.n, r.resource, r.key, v.scope, v.link, v.superseded, v.body
            FROM _rs_version v JOIN _rs_record r ON r.id = v.record JOIN _rs_actor a ON a.id = v.actor
            WHERE \(condition) ORDER BY v.id
            """, arguments: arguments) { row in
            let writer = try names.actor(row.int64(1)).description
            let link = try names.name(row.int64(7))
            let superseded = row.int64(8)
            for e in try row.withBlob(9, { try StorageCodec.decodeRun($0, count: row.int(3), actor: names.actor) }) {
                try body(Row(id: row.int64(0), actor: writer, seq: row.int64(2) + Int64(e.index),
                             resource: row.string(4), key: row.string(5), group: try names.name(e.group), hlc: e.hlc,
                             vv: e.vector.json.text, values: JSONValue.object(e.values).text, scope: row.string(6),
                             current: superseded & (1 << Int64(e.index)) == 0, link: link))
            }
        }
    }

    /// One purge notice held in the file: the record, and what is gone of it.
    public struct Purge: Sendable, Equatable {
        public let resource: String
        public let key: String
        public let covered: VersionVector
    }

    /// The purge notices the file holds (none before schema step 16).
    public func purges() throws -> [Purge] {
        guard try db.scalarInt("SELECT 1 FROM sqlite_master WHERE name = '_rs_purge'") != nil else { return [] }
        let names = Names(db)
        var out: [Purge] = []
        try db.forEach("SELECT r.resource, r.key, p.covered FROM _rs_purge p JOIN _rs_record r ON r.id = p.record ORDER BY p.id") { row in
            out.append(Purge(resource: row.string(0), key: row.string(1), covered: try row.withBlob(2) { try StorageCodec.decodeVector($0, actor: names.actor) }))
        }
        return out
    }

    /// Actor and name rows, looked up as rows need them: the file may be written while it is
    /// read, and a row read now may name an actor added after any list taken before.
    final class Names {
        let db: Database
        var actors: [Int64: Actor] = [:]
        var names: [Int64: String] = [0: ""]
        init(_ db: Database) { self.db = db }

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
    }
}
