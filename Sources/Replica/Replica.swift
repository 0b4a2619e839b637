import Catalogue
import Causality
import Foundation
import JSON
import SQLite
import Standards

/// One node's SQLite replica: the resource tables, every version of every field group, the
/// change feed, conflicts, and the capture of writes made by other programs. Not thread-safe:
/// open one `Replica` per thread (SQLite's WAL lets them share the file).
public final class Replica {
    /// The connection stays inside the module (the storage seam): callers use the Replica's API.
    let db: Database
    public let path: String
    public let node: NodeIdentity
    /// The installed catalogue; reloaded when another connection installs a newer one.
    public internal(set) var catalogue: Catalogue
    public internal(set) var validator: RecordValidator
    /// Wall clock in milliseconds; replaceable in tests.
    public var now: () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    /// Sharing's clock in milliseconds (event times, deadlines, expiry): `ShareClock`, which a
    /// test or a drill may set with `ROOTSYNC_SHARE_NOW`; replaceable in tests.
    public var shareNow: () -> Int64 = ShareClock.now
    /// Stamp writes captured from other programs with the time their trigger recorded (true), or
    /// with `now()` when they are turned into versions (tests use this to be reproducible).
    public var useCapturedWriteTimes = true
    /// How far in the future a received version's timestamp may be.
    public var maxClockDriftMilliseconds: Int64 = 10 * 60 * 1000

    var policies: [String: [String: GroupPolicy]] = [:]
    /// Upsert/delete SQL per resource (built once: building it showed in profiles).
    var rowStatements: [String: (upsert: Statement, delete: Statement)] = [:]
    /// The write path's own statements, prepared once (`WriteStatements`).
    var writeStatementsCache: WriteStatements?
    /// The SELECT that reads a captured row back, per resource, with the columns it was built
    /// for (rebuilt when the resource's fields change, e.g. after a catalogue migration).
    var captureSelects: [String: (fields: [String], sql: String)] = [:]
    /// Per resource, what writing a new record needs (`createLocal`), for the current catalogue.
    var writePlans: [String: WritePlan] = [:]
    /// Whether new records take the one-pass create path (tests turn it off to compare it with
    /// the general path).
    var createsInOnePass = true
    /// Where the root's next look for stable tombstones starts (in memory: a restart begins again).
    var purgeScanFrom: Int64 = 0
    /// The counters of the write transaction in progress (nil outside one).
    var session: WriteSession?
    /// Whether the last write moved the write generation (the lease is then written again).
    var generationMoved = false
    /// Row ids of actors and of interned names (groups, links), both ways. Rows are never
    /// deleted, but a row inserted by a transaction that rolls back is gone and its id may be
    /// reused: the caches are emptied whenever a write fails.
    var actorRows: [Actor: Int64] = [:]
    var actorsByRow: [Int64: Actor] = [:]
    var nameRows: [String: Int64] = [:]
    var namesByRow: [Int64: String] = [:]
    /// The child links this node serves, loaded from `_rs_link`.
    public internal(set) var children: [String] = []
    /// The parent link, when this node has one.
    public internal(set) var parentLink: String?

    // MARK: Opening

    /// Creates a new replica file for `node` with `catalogue` installed.
    public static func create(path: String, node: NodeIdentity, catalogue: Catalogue,
                              divisions: DivisionTable) throws -> Replica {
        if FileManager.default.fileExists(atPath: path) { throw ReplicaError.alreadyExists(path: path) }
        let db = try Database(path: path)
        try ReplicaSchema.migrator.migrate(db)
        try db.transaction {
            let meta: [(String, String)] = [
                ("schema_version", String(ReplicaSchema.version)), ("node", node.code), ("node_name", node.name),
                ("level", node.level.rawValue), ("parent", node.parent ?? ""), ("epoch", "1"), ("seq", "0"),
                ("hlc", "0"), ("database_id", UUID().uuidString), ("catalogue_version", String(catalogue.version)),
            ]
            for (k, v) in meta { try db.run("INSERT INTO _rs_meta(name, value) VALUES(?, ?)", k, v) }
            try installCatalogue(catalogue, db: db)
        }
        try db.setUserVersion(ReplicaSchema.version)
        let replica = try Replica(db: db, path: path, divisions: divisions)
        try replica.writeLease()
        return replica
    }

    /// Opens an existing replica, taking a new epoch if the file may have gone back in time.
    public static func open(path: String, divisions: DivisionTable) throws -> Replica {
        guard FileManager.default.fileExists(atPath: path) else { throw ReplicaError.notAReplica(path: path) }
        let db = try Database(path: path)
        guard try db.tableExists("_rs_meta") else { throw ReplicaError.notAReplica(path: path) }
        do { try ReplicaSchema.migrator.migrate(db) } catch let e as MigrationError { throw ReplicaError.newerRelease(e.description) }
        let replica = try Replica(db: db, path: path, divisions: divisions)
        try replica.checkLease()
        return replica
    }

    private init(db: Database, path: String, divisions: DivisionTable) throws {
        self.db = db
        self.path = path
        func meta(_ name: String) throws -> String {
            guard let v = try db.scalarText("SELECT value FROM _rs_meta WHERE name = ?", name) else {
                throw ReplicaError.notAReplica(path: path)
            }
            return v
        }
        let parent = try meta("parent")
        node = NodeIdentity(code: try meta("node"), name: try meta("node_name"),
                            level: DivisionLevel(rawValue: try meta("level")) ?? .community,
                            parent: parent.isEmpty ? nil : parent)
        guard let json = try db.scalarText("SELECT json FROM _rs_catalogue ORDER BY version DESC LIMIT 1") else {
            throw ReplicaError.notAReplica(path: path)
        }
        catalogue = try Catalogue.parse(data: Array(json.utf8))
        validator = RecordValidator(catalogue: catalogue, divisions: divisions)
        policies = Self.policies(of: catalogue)
        try loadLinks()
    }

    static func installCatalogue(_ catalogue: Catalogue, db: Database) throws {
        try db.run("INSERT OR REPLACE INTO _rs_catalogue(version, json, installed_at) VALUES(?, ?, datetime('now'))",
                   catalogue.version, catalogue.source.text)
        for r in catalogue.resources { try db.execute(ReplicaSchema.createTable(r)) }
    }

    static func policies(of catalogue: Catalogue) -> [String: [String: GroupPolicy]] {
        var out: [String: [String: GroupPolicy]] = [:]
        for r in catalogue.resources {
            var p: [String: GroupPolicy] = [:]
            for g in r.groups { p[g.name] = GroupPolicy(authority: g.authority, isTagSet: g.isTagSet, fields: g.fields) }
            out[r.name] = p
        }
        return out
    }

    public func resource(_ name: String) throws -> Resource {
        guard let r = catalogue.resource(name) else { throw ReplicaError.unknownResource(name) }
        return r
    }

    // MARK: Meta, actor, counters, clock

    func meta(_ name: String) throws -> String? {
        try db.scalarText("SELECT value FROM _rs_meta WHERE name = ?", name)
    }

    func setMeta(_ name: String, _ value: String) throws {
        try db.run("INSERT INTO _rs_meta(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, value)
    }

    /// The current actor: the session's inside a write, else read again (another process may
    /// have changed epoch).
    public func currentActor() throws -> Actor {
        if let session { return session.actor }
        return Actor(node: node.code, epoch: Int(try meta("epoch") ?? "1") ?? 1)
    }

    /// Allocates the next counter for this actor. Only inside `writing`.
    func nextDot() throws -> Dot {
        guard session != nil else { preconditionFailure("nextDot outside a write") }
        return try session!.nextDot()
    }

    func clock() throws -> HybridClock {
        if let session { return session.clock }
        return HybridClock(last: Int64(try meta("hlc") ?? "0") ?? 0, maxDriftMilliseconds: maxClockDriftMilliseconds)
    }

    /// The row of `name` in `table` (`_rs_actor` or `_rs_name`, both `id, name UNIQUE`); with
    /// `create`, made on first sight, else nil when it was never interned.
    private func internedRow(_ name: String, in table: String, create: Bool) throws -> Int64? {
        if let found = try db.scalarInt("SELECT id FROM \(table) WHERE name = ?", name) { return Int64(found) }
        guard create else { return nil }
        try db.run("INSERT INTO \(table)(name) VALUES(?)", name)
        return db.lastInsertRowID
    }

    /// The local row id of an actor, creating it on first sight.
    func actorID(_ actor: Actor) throws -> Int64 { try actorRow(actor, create: true)! }

    /// The row id of an actor if this replica ever heard of it (never creates one).
    func existingActorID(_ actor: Actor) throws -> Int64? { try actorRow(actor, create: false) }

    private func actorRow(_ actor: Actor, create: Bool) throws -> Int64? {
        if let id = actorRows[actor] { return id }
        guard let id = try internedRow(actor.description, in: "_rs_actor", create: create) else { return nil }
        actorRows[actor] = id
        actorsByRow[id] = actor
        return id
    }

    /// The actor of a local row id (rows referenced by stored versions always exist).
    func actor(row id: Int64) throws -> Actor {
        if let a = actorsByRow[id] { return a }
        guard let name = try db.scalarText("SELECT name FROM _rs_actor WHERE id = ?", id), let a = Actor(name) else {
            throw StorageCodec.Malformed(what: "unknown actor row \(id)")
        }
        actorsByRow[id] = a
        actorRows[a] = id
        return a
    }

    /// The row id of an interned name (a group or a link), creating it on first sight.
    func nameID(_ name: String) throws -> Int64 { try nameRow(name, create: true)! }

    /// The row id of a name if it was ever interned (nil: no stored version carries it).
    func existingNameID(_ name: String) throws -> Int64? { try nameRow(name, create: false) }

    private func nameRow(_ name: String, create: Bool) throws -> Int64? {
        if let id = nameRows[name] { return id }
        guard let id = try internedRow(name, in: "_rs_name", create: create) else { return nil }
        nameRows[name] = id
        namesByRow[id] = name
        return id
    }

    func name(row id: Int64) throws -> String {
        if let n = namesByRow[id] { return n }
        guard let n = try db.scalarText("SELECT name FROM _rs_name WHERE id = ?", id) else {
            throw StorageCodec.Malformed(what: "unknown name row \(id)")
        }
        namesByRow[id] = n
        nameRows[n] = id
        return n
    }

    /// A link as stored: 0 for versions written here, else the interned node code.
    func linkID(_ link: String) throws -> Int64 { link.isEmpty ? 0 : try nameID(link) }
    func link(row id: Int64) throws -> String { id == 0 ? "" : try name(row: id) }

    func forgetRowCaches() {
        actorRows.removeAll()
        actorsByRow.removeAll()
        nameRows.removeAll()
        namesByRow.removeAll()
        writePlans.removeAll()  // (they hold name rows)
    }

    // MARK: Writes

    /// Runs `body` as one write: in a transaction (a savepoint inside a caller's), with writes
    /// other programs made turned into versions first (`drain`), and the counters kept in a
    /// `WriteSession` and stored once at the end. Nested calls share the outer session and get
    /// its state back when they fail.
    func writing<T>(drain: Bool = true, _ body: () throws -> T) throws -> T {
        if session != nil {
            let saved = session
            do { return try db.transaction(.immediate, body) } catch { session = saved; throw error }
        }
        generationMoved = false
        do {
            return try db.transaction {
                try beginSession()
                defer { session = nil }
                if drain { try drainCaptured() }
                let result = try body()
                try endSession()
                return result
            }
        } catch {
            forgetRowCaches()
            throw error
        }
    }

    /// Runs `body` in one transaction of the replica's database, for a caller that makes several
    /// rootsync writes all-or-nothing (an import with its audit entry).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        do { return try db.transaction(.immediate, body) } catch { forgetRowCaches(); throw error }
    }

    private func beginSession() throws {
        var epoch = 1, seq: Int64 = 0, hlc: Int64 = 0
        try db.forEach("SELECT name, value FROM _rs_meta WHERE name IN ('epoch', 'seq', 'hlc')") { row in
            switch row.string(0) {
            case "epoch": epoch = Int(row.string(1)) ?? 1
            case "seq": seq = Int64(row.string(1)) ?? 0
            default: hlc = Int64(row.string(1)) ?? 0
            }
        }
        let actor = Actor(node: node.code, epoch: epoch)
        session = WriteSession(actor: actor, actorRow: try actorID(actor), seq: seq,
                               clock: HybridClock(last: hlc, maxDriftMilliseconds: maxClockDriftMilliseconds))
        try db.run("INSERT OR IGNORE INTO _rs_guard(name) VALUES('rootsync')")
        session!.mayHaveInvalidWrites = try db.scalarInt("SELECT 1 FROM _rs_invalid LIMIT 1") != nil
    }

    private func endSession() throws {
        guard let s = session else { return }
        try db.run("DELETE FROM _rs_guard")
        if s.seq != s.seqAtStart { try setMeta("seq", String(s.seq)) }
        if s.clock.last != s.hlcAtStart { try setMeta("hlc", String(s.clock.last)) }
        if s.generationMoved {
            try setMeta("generation", String((Int64(try meta("generation") ?? "0") ?? 0) + 1))
            generationMoved = true
        }
        for row in s.haveMoved.sorted() {
            try db.run("INSERT INTO _rs_have(actor, seq) VALUES(?, ?) ON CONFLICT(actor) DO UPDATE SET seq = excluded.seq", row, s.have[row]!)
        }
    }

    // MARK: Lease

    /// Records the committed counter beside the database. Called after each local write commits;
    /// a caller running its own outer transaction calls it after committing.
    public func writeLease() throws {
        guard !db.isInTransaction else { return }
        guard let identity = ActorLease.fileIdentity(path) else { return }
        let lease = ActorLease(databaseID: try meta("database_id") ?? "", epoch: try currentActor().epoch,
                               generation: Int64(try meta("generation") ?? "0") ?? 0, device: identity.device,
                               inode: identity.inode, host: ActorLease.hostName)
        try lease.write(for: path)
    }

    /// Takes a new epoch when the lease does not match this file exactly.
    func checkLease() throws {
        guard let identity = ActorLease.fileIdentity(path) else { return }
        let lease = ActorLease.read(for: path)
        let id = try meta("database_id") ?? ""
        let epoch = try currentActor().epoch
        let generation = Int64(try meta("generation") ?? "0") ?? 0
        let trusted = lease.map {
            $0.databaseID == id && $0.epoch == epoch && generation >= $0.generation && $0.device == identity.device
                && $0.inode == identity.inode && $0.host == ActorLease.hostName
        } ?? false
        if !trusted {
            // This file may be older than what peers have seen from it. New epoch: counters are
            // never reused. New database id: children's cursors into our routes restart. Reset the
            // pull cursor: the parent sends everything in our subtree again.
            let newEpoch = max(epoch, lease?.databaseID == id ? lease!.epoch : 0) + 1
            try db.transaction {
                try setMeta("epoch", String(newEpoch))
                try setMeta("seq", "0")
                try setMeta("database_id", UUID().uuidString)
                try db.run("DELETE FROM _rs_meta WHERE name = 'sync.pull_cursor'")
            }
            try writeLease()
        } else if let lease, generation > lease.generation {
            // Behind the file (a crash between a commit and its lease): move it up. If that fails
            // (a full disk) the pair stays consistent, a lease no newer than its file, so opening
            // still works and readers (`get`, `status`) keep working on a full disk.
            try? writeLease()
        }
    }

    /// How many versions this replica has written under its current actor.
    public func localCounter() throws -> Int64 {
        if let session { return session.seq }
        return Int64(try meta("seq") ?? "0") ?? 0
    }

    /// Takes epoch `above + 1` (or more) with a fresh counter: used when the parent shows this
    /// node's identity was already used by an earlier incarnation of the replica. With
    /// `rolledBack` (the file went back in time together with its lease, as a VM snapshot does)
    /// it also does what a lease mismatch does: a new database id, so children's cursors into
    /// our routes restart, and a new pull cursor, so the parent sends our subtree again.
    public func takeEpoch(above: Int, rolledBack: Bool = false) throws {
        let epoch = max(above, try currentActor().epoch) + 1
        try db.transaction {
            try setMeta("epoch", String(epoch))
            try setMeta("seq", "0")
            if rolledBack {
                try setMeta("database_id", UUID().uuidString)
                try db.run("DELETE FROM _rs_meta WHERE name = 'sync.pull_cursor'")
            }
            try audit("epoch_taken", detail: "epoch=\(epoch) reason=\(rolledBack ? "rolled back with its lease" : "identity known to the parent")", user: "rootsync")
        }
        try writeLease()
    }

    /// What the replica holds, counted (status, the benchmark).
    public func storageCounts() throws -> StorageCounts {
        var c = StorageCounts()
        for r in catalogue.resources { c.records[r.name] = try db.scalarInt("SELECT count(*) FROM \(Database.quote(r.name))") ?? 0 }
        c.versions = try db.scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_version") ?? 0
        c.openConflicts = try db.scalarInt("""
            SELECT coalesce(sum(length(conflicts) - length(replace(conflicts, ',', '')) + 1), 0)
            FROM _rs_record WHERE conflicts <> ''
            """) ?? 0
        c.invalidWrites = try db.scalarInt("SELECT count(*) FROM _rs_invalid") ?? 0
        c.pendingCaptures = try db.scalarInt("SELECT count(*) FROM _rs_capture") ?? 0
        c.bytes = try storageBytes()
        return c
    }

    /// The size of the replica's database as this connection sees it (pages not yet checkpointed
    /// from the WAL included).
    public func storageBytes() throws -> Int64 {
        Int64(try db.scalarInt("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0)
    }

    /// Epoch changes recorded so far (for status and tests).
    public var epoch: Int { (try? currentActor().epoch) ?? 0 }

    // MARK: Guarded writes

    /// Runs `body` with capture triggers silenced: rootsync's own writes to resource tables are
    /// already versioned and must not be captured again.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        // A write session holds the guard from its start to its end (one row, not two per record).
        if session != nil { return try body() }
        try db.run("INSERT OR IGNORE INTO _rs_guard(name) VALUES('rootsync')")
        defer { _ = try? db.run("DELETE FROM _rs_guard") }
        return try body()
    }
}
