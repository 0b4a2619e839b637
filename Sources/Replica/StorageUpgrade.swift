import Causality
import JSON
import SQLite

/// Rewrites a replica's version store from layout v1 (text resource, key and group in every
/// version row, vectors and values as JSON text, five indexes) to v2 in place, keeping every
/// version's id (so routes, set-aside entries and children's scan cursors stay valid), every
/// record, tombstone, conflict and have-vector entry. One migration step: all or nothing.
enum StorageUpgrade {
    /// The v2 layout of records and versions, and the view that shows versions as text.
    static let v2 = """
    -- Names interned for versions: field groups and the links versions came from.
    CREATE TABLE _rs_name(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    -- One row per record ever held, including deleted ones (tombstones); versions name it by id.
    CREATE TABLE _rs_record_v2(
        id INTEGER PRIMARY KEY, resource TEXT NOT NULL, key TEXT NOT NULL, scope TEXT NOT NULL,
        visible INTEGER NOT NULL, deleted INTEGER NOT NULL, conflicts TEXT NOT NULL DEFAULT '',
        outside INTEGER NOT NULL DEFAULT 0, UNIQUE(resource, key));
    -- Every version held, local or received, one row per run: the versions one write made of one
    -- record (counters seq … seq+n-1 of one actor, one scope, from one link). The id is arrival
    -- order: the change feed (AUTOINCREMENT: ids never go back, even after records that moved away
    -- are purged, so scan cursors stay valid). link is 0 for versions written here, else the
    -- _rs_name of the node they came from. Bit i of superseded is set once version seq+i is
    -- covered by another. body is StorageCodec's: per version its group, HLC, vector and values.
    CREATE TABLE _rs_version_v2(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        actor INTEGER NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL,
        record INTEGER NOT NULL, scope TEXT NOT NULL, link INTEGER NOT NULL DEFAULT 0,
        superseded INTEGER NOT NULL DEFAULT 0, body BLOB NOT NULL,
        UNIQUE(actor, seq));
    """

    static let indexes = """
    CREATE INDEX _rs_record_conflicted ON _rs_record(resource, key) WHERE conflicts <> '';
    CREATE INDEX _rs_record_outside ON _rs_record(resource, key) WHERE outside = 1;
    -- A record's versions: its current state and its history (no other index on versions).
    CREATE INDEX _rs_version_record ON _rs_version(record);
    -- For people and scripts: the runs as text, one row per write (VersionFile decodes versions).
    CREATE VIEW _rs_versions AS
        SELECT v.id, a.name AS actor, v.seq, v.n, r.resource, r.key, v.scope, coalesce(l.name, '') AS link
        FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor JOIN _rs_record r ON r.id = v.record
        LEFT JOIN _rs_name l ON l.id = v.link;
    """

    static func toV2(_ db: Database) throws {
        let feedHead = try db.scalarInt("SELECT seq FROM sqlite_sequence WHERE name = '_rs_version'") ?? 0
        try db.execute(v2)
        try db.execute("""
            INSERT INTO _rs_record_v2(resource, key, scope, visible, deleted, conflicts, outside)
                SELECT resource, key, scope, visible, deleted, conflicts, outside FROM _rs_record ORDER BY resource, key;
            INSERT OR IGNORE INTO _rs_record_v2(resource, key, scope, visible, deleted)
                SELECT resource, key, max(scope), 0, 0 FROM _rs_version GROUP BY resource, key;
            INSERT OR IGNORE INTO _rs_name(name) SELECT DISTINCT grp FROM _rs_version;
            INSERT OR IGNORE INTO _rs_name(name) SELECT DISTINCT link FROM _rs_version WHERE link <> '';
            """)
        var actors: [String: Int64] = [:]
        try db.forEach("SELECT id, name FROM _rs_actor") { actors[$0.string(1)] = $0.int64(0) }
        func actorRow(_ a: Actor) throws -> Int64 {
            if let id = actors[a.description] { return id }
            try db.run("INSERT INTO _rs_actor(name) VALUES(?)", a.description)
            actors[a.description] = db.lastInsertRowID
            return db.lastInsertRowID
        }
        // Streamed in id order: constant memory whatever the replica's size.
        try db.forEach("""
            SELECT v.id, v.actor, v.seq, n.id, v.hlc, v.scope, coalesce(l.id, 0), v.current, v.vv, v.vals, r.id
            FROM _rs_version v JOIN _rs_record_v2 r ON r.resource = v.resource AND r.key = v.key
            JOIN _rs_name n ON n.name = v.grp LEFT JOIN _rs_name l ON l.name = v.link AND v.link <> ''
            ORDER BY v.id
            """) { row in
            // Each v1 version becomes a run of one, under its old id.
            let vector = try VersionVector(json: try JSONParser.parse(row.string(8)))
            let values = try JSONParser.parse(row.string(9)).objectValue ?? JSONObject()
            var body: [UInt8] = []
            StorageCodec.appendEntry(group: row.int64(3), hlc: row.int64(4), vector: try StorageCodec.encode(vector, actorRow: actorRow),
                                     values: StorageCodec.encode(values), to: &body)
            try db.run("""
                INSERT INTO _rs_version_v2(id, actor, seq, n, record, scope, link, superseded, body)
                VALUES(?, ?, ?, 1, ?, ?, ?, ?, ?)
                """, row.int64(0), row.int64(1), row.int64(2), row.int64(10), row.string(5), row.int64(6),
                row.int64(7) == 1 ? 0 : 1, body)
        }
        try db.execute("""
            DROP TABLE _rs_version;
            DROP TABLE _rs_record;
            ALTER TABLE _rs_version_v2 RENAME TO _rs_version;
            ALTER TABLE _rs_record_v2 RENAME TO _rs_record;
            """)
        // The feed head survives the copy: a purged tail must not hand out its ids again.
        try db.run("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = '_rs_version'", feedHead)
        if try db.scalarInt("SELECT 1 FROM sqlite_sequence WHERE name = '_rs_version'") == nil, feedHead > 0 {
            try db.run("INSERT INTO sqlite_sequence(name, seq) VALUES('_rs_version', ?)", feedHead)
        }
        try db.execute(indexes)
    }
}
