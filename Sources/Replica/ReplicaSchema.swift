import Catalogue
import SQLite

/// The replica's tables. Resource tables are plain typed tables anyone can query and write with
/// SQL; everything rootsync keeps for itself lives in `_rs_*` tables.
enum ReplicaSchema {
    static let version = 1

    /// The replica's schema steps, in order; each is recorded in `_rs_migration` when applied.
    /// The first five are what releases before the migrator created on demand (`CREATE … IF NOT
    /// EXISTS`), so a replica from such a release gets them recorded without a change. A new
    /// step is appended here, never edited once released.
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator(table: "_rs_migration")
        m.registerMigration("1-bookkeeping") { db in
            try db.execute(bookkeeping)
            // Layout v1's indexes, only on a v1 file (this step also runs again, harmlessly, on a
            // file whose record of it was lost).
            if try db.columnNames(of: "_rs_version").contains("resource") { try db.execute(v1Indexes) }
        }
        m.registerMigration("2-workflow") { try $0.execute(Replica.workflowSchema) }
        m.registerMigration("3-audit") { try $0.execute(Replica.auditSchema) }
        m.registerMigration("4-credential-rotation") { try $0.execute(Replica.credentialRotationSchema) }
        // Records that moved out of the node's subtree: every round looks for them (purgeMovedOut).
        m.registerMigration("5-record-outside-index") {
            try $0.execute("CREATE INDEX IF NOT EXISTS _rs_record_outside ON _rs_record(resource, key) WHERE outside = 1")
        }
        // Versions a parent refused (a child's edit it may not make there): kept, not sent again.
        m.registerMigration("6-set-aside") {
            try $0.execute("""
                CREATE TABLE _rs_set_aside(actor INTEGER NOT NULL, seq INTEGER NOT NULL, reason TEXT NOT NULL, at_ms INTEGER NOT NULL,
                    PRIMARY KEY(actor, seq)) WITHOUT ROWID
                """)
        }
        // The newest epoch of its own code each child declared in a push (PushVerification).
        m.registerMigration("7-link-confirmed-epoch") {
            try $0.execute("ALTER TABLE _rs_link ADD COLUMN confirmed_epoch INTEGER NOT NULL DEFAULT 0")
        }
        // Storage v2 (issue 12): versions name their record, group and link by integer ids and
        // carry their vector and values in StorageCodec's binary form; three text indexes go.
        m.registerMigration("8-storage-v2") { try StorageUpgrade.toV2($0) }
        // Issue 16: departments' systems registered as consumers, each with its own credential (its hash).
        m.registerMigration("9-consumers") { try $0.execute(Replica.consumerSchema) }
        // Issue 15: the web app's operators (accounts with PBKDF2 password hashes), per node.
        m.registerMigration("10-operators") { try $0.execute(Replica.operatorSchema) }
        // Issue 15: what record search needs (name, phone and ID indexes, trigram FTS5 over
        // addresses, tags), with triggers that keep it in step with every writer.
        m.registerMigration("11-search-index") { try SearchIndex.migrate($0) }
        // Finding 2 (the relay case): the highest route and feed positions handed to each child in
        // a cursor, so a cursor beyond them proves this replica went back in time with its lease.
        // What earlier releases handed out is not known: every position up to today's heads may be.
        m.registerMigration("12-link-issued-positions") { db in
            try db.execute("""
                ALTER TABLE _rs_link ADD COLUMN issued_route INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE _rs_link ADD COLUMN issued_feed INTEGER NOT NULL DEFAULT 0;
                UPDATE _rs_link SET
                    issued_route = coalesce((SELECT seq FROM sqlite_sequence WHERE name = '_rs_route'), 0),
                    issued_feed = coalesce((SELECT seq FROM sqlite_sequence WHERE name = '_rs_version'), 0)
                WHERE role = 'child';
                """)
        }
        // Issue 16, sharing (用): requests, decisions, disputes and ratings are workflow events in
        // _rs_workflow; each names the node that must act on its thread (target), and events
        // travel down to it as well as to their author. Every feed call is kept (_rs_feed_call):
        // the audit of who read what, and when data reached a consumer (the dispute window).
        m.registerMigration("13-share-requests") { try $0.execute(Replica.sharingSchema) }
        // Issue 12: tombstones purged once causally stable (Replica+Purge): purge notices, what
        // each child vouches for, and an index of the tombstones.
        m.registerMigration("16-tombstone-purge") { try $0.execute(Replica.purgeSchema) }
        // Issue 12: step 11's insert triggers run only when a row has addresses or tags to index
        // (an FTS statement that matched nothing was half the cost of inserting a person).
        m.registerMigration("17-search-insert-triggers") { try SearchIndex.conditionalInsertTriggers($0) }
        // A parent skips sharing's workflow events for a child that does not announce the
        // `sharing` feature (an earlier release): on upgrade the child reads its parent's events
        // from the start again (they are idempotent), so it gets the ones skipped.
        m.registerMigration("18-workflow-cursor-reset") { try $0.run("DELETE FROM _rs_meta WHERE name = 'sync.workflow_cursor'") }
        return m
    }()

    static let bookkeeping = """
    CREATE TABLE IF NOT EXISTS _rs_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS _rs_catalogue(version INTEGER PRIMARY KEY, json TEXT NOT NULL, installed_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS _rs_actor(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    -- Every version held, local or received. The id is arrival order: the change feed (AUTOINCREMENT:
    -- ids never go back, even after records that moved away are purged, so scan cursors stay valid).
    -- link is '' for versions written here, else the node it came from (never echoed back there).
    CREATE TABLE IF NOT EXISTS _rs_version(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        actor INTEGER NOT NULL REFERENCES _rs_actor(id),
        seq INTEGER NOT NULL,
        resource TEXT NOT NULL,
        key TEXT NOT NULL,
        grp TEXT NOT NULL,
        hlc INTEGER NOT NULL,
        vv TEXT NOT NULL,
        vals TEXT NOT NULL,
        scope TEXT NOT NULL,
        link TEXT NOT NULL DEFAULT '',
        current INTEGER NOT NULL,
        UNIQUE(actor, seq));
    -- For each origin actor: the highest counter held with no gap below it (push cursors).
    CREATE TABLE IF NOT EXISTS _rs_have(actor INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
    -- The links: the parent this node pulls from and pushes to, the children it serves.
    CREATE TABLE IF NOT EXISTS _rs_link(
        node TEXT PRIMARY KEY, role TEXT NOT NULL CHECK(role IN ('parent', 'child')),
        last_push_ms INTEGER, last_pull_ms INTEGER, last_seen_ms INTEGER, last_error TEXT,
        pushed INTEGER NOT NULL DEFAULT 0, pulled INTEGER NOT NULL DEFAULT 0,
        -- The route position a child has confirmed holding (the cursor it sends back).
        acked_route INTEGER NOT NULL DEFAULT 0,
        -- SHA-256 of the child's link credential; the credential itself is never stored here.
        credential_hash TEXT) WITHOUT ROWID;
    -- Routing decided when a version is stored: which child links must receive it, in order.
    -- AUTOINCREMENT: delivered routes are deleted, and positions must never be reused under a cursor.
    CREATE TABLE IF NOT EXISTS _rs_route(id INTEGER PRIMARY KEY AUTOINCREMENT, child TEXT NOT NULL, version INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS _rs_route_child ON _rs_route(child, id);
    -- One row per record ever held, including deleted ones (tombstones).
    CREATE TABLE IF NOT EXISTS _rs_record(
        resource TEXT NOT NULL, key TEXT NOT NULL, scope TEXT NOT NULL,
        visible INTEGER NOT NULL, deleted INTEGER NOT NULL, conflicts TEXT NOT NULL DEFAULT '',
        outside INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(resource, key)) WITHOUT ROWID;
    -- Keys written by other programs, appended by triggers in the writer's own transaction.
    CREATE TABLE IF NOT EXISTS _rs_capture(id INTEGER PRIMARY KEY, resource TEXT NOT NULL, key TEXT, at_ms INTEGER NOT NULL);
    -- Direct writes that failed validation: kept here, not propagated, until corrected.
    CREATE TABLE IF NOT EXISTS _rs_invalid(
        resource TEXT NOT NULL, key TEXT NOT NULL, row TEXT NOT NULL, problems TEXT NOT NULL, at_ms INTEGER NOT NULL,
        PRIMARY KEY(resource, key)) WITHOUT ROWID;
    -- Holds a row only inside rootsync's own transactions, so triggers skip rootsync's writes.
    -- Other connections never see it: it is inserted and deleted before commit.
    CREATE TABLE IF NOT EXISTS _rs_guard(name TEXT PRIMARY KEY) WITHOUT ROWID;
    \(enrollment)
    """

    /// Layout v1's indexes on versions and records (step 8 replaces them).
    static let v1Indexes = """
    CREATE INDEX IF NOT EXISTS _rs_version_current ON _rs_version(resource, key, grp) WHERE current = 1;
    CREATE INDEX IF NOT EXISTS _rs_version_record ON _rs_version(resource, key);
    CREATE INDEX IF NOT EXISTS _rs_version_scope ON _rs_version(scope);
    CREATE INDEX IF NOT EXISTS _rs_record_conflicted ON _rs_record(resource, key) WHERE conflicts <> '';
    """

    /// One-time enrollment tokens a parent issued to named children: only their SHA-256 is kept.
    static let enrollment = """
    CREATE TABLE IF NOT EXISTS _rs_enrollment(
        token_hash TEXT PRIMARY KEY, child TEXT NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER) WITHOUT ROWID;
    """

    /// Milliseconds since 1970 in SQL, for triggers that must not depend on rootsync's functions.
    static let nowMilliseconds = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"

    static func createTable(_ r: Resource) -> String {
        let q = Database.quote
        var columns: [String] = []
        for f in r.fields {
            var c = "\(q(f.name)) \(f.sqlType)"
            if f.name == r.key { c += " PRIMARY KEY NOT NULL" }
            columns.append(c)
        }
        let name = r.name
        let key = q(r.key)
        let guardClause = "WHEN NOT EXISTS (SELECT 1 FROM _rs_guard)"
        let capture = "INSERT INTO _rs_capture(resource, key, at_ms) VALUES('\(name)', %@, \(nowMilliseconds));"
        return """
        CREATE TABLE IF NOT EXISTS \(q(name))(\(columns.joined(separator: ", ")));
        CREATE INDEX IF NOT EXISTS \(q("\(name)_\(r.scope)")) ON \(q(name))(\(q(r.scope)));
        CREATE TRIGGER IF NOT EXISTS \(q("_rs_\(name)_insert")) AFTER INSERT ON \(q(name)) \(guardClause)
        BEGIN \(capture.replacingOccurrences(of: "%@", with: "NEW.\(key)")) END;
        CREATE TRIGGER IF NOT EXISTS \(q("_rs_\(name)_update")) AFTER UPDATE ON \(q(name)) \(guardClause)
        BEGIN
            \(capture.replacingOccurrences(of: "%@", with: "NEW.\(key)"))
            INSERT INTO _rs_capture(resource, key, at_ms) SELECT '\(name)', OLD.\(key), \(nowMilliseconds) WHERE OLD.\(key) IS NOT NEW.\(key);
        END;
        CREATE TRIGGER IF NOT EXISTS \(q("_rs_\(name)_delete")) AFTER DELETE ON \(q(name)) \(guardClause)
        BEGIN \(capture.replacingOccurrences(of: "%@", with: "OLD.\(key)")) END;
        \(SearchIndex.schema(r))
        """
    }
}
