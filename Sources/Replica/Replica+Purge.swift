import Catalogue
import Causality
import JSON
import SQLite
import Sync

/// Tombstone purging (docs/DATA-MODEL.md, "Purging tombstones"). A deleted record is forgotten
/// only once it is causally stable: every node that could hold it has received its delete, and
/// every version written anywhere without seeing the delete has reached the root. The knowledge
/// goes up as a position in the root's feed with each round; the root decides, and the decision
/// comes down as a purge notice that every node applies the same way.
extension Replica {
    static let purgeSchema = """
    -- 1 once a purge notice applied to the record (its covered versions are gone; a later version
    -- starts it afresh). A purged record's row stays, so versions its notice covers are not taken again.
    ALTER TABLE _rs_record ADD COLUMN purged INTEGER NOT NULL DEFAULT 0;
    -- Purge notices held here, in the order they were taken (children receive them after their
    -- cursor): the record and what is gone of it (a vector in StorageCodec's form).
    CREATE TABLE _rs_purge(id INTEGER PRIMARY KEY AUTOINCREMENT, record INTEGER NOT NULL UNIQUE, covered BLOB NOT NULL);
    -- What each child last vouched for: its whole subtree has received the root's feed up to
    -- stable_position of root database stable_database, and pushed everything written before.
    ALTER TABLE _rs_link ADD COLUMN stable_database TEXT;
    ALTER TABLE _rs_link ADD COLUMN stable_position INTEGER NOT NULL DEFAULT 0;
    -- The tombstones (deleted, shown nowhere): the root's purge candidates, few beside the records.
    CREATE INDEX _rs_record_tombstone ON _rs_record(id) WHERE deleted = 1 AND visible = 0;
    """

    /// How far this node has received the root's feed: the root itself holds all of it; any
    /// other node what its parent last said with a page that left nothing to pull.
    public func rootPosition() throws -> RootPosition? {
        if parentLink == nil { return RootPosition(database: databaseID, position: try feedHead()) }
        return try syncState("root_position").flatMap { try? RootPosition(json: JSONParser.parse($0)) }
    }

    /// The sync-state entry that records a root position, stored with the pull page that brought it.
    public static func rootPositionState(_ p: RootPosition) -> (String, String) { ("root_position", p.json.text) }

    /// What this node can vouch for to its parent, taken at the start of a round whose push then
    /// finishes: its own root position, lowered by each child's last report. Nil when a child has
    /// not reported (or for another root database), or a version is set aside here (its only
    /// copy is here: the root cannot see it).
    public func stableReport() throws -> RootPosition? {
        if try db.scalarInt("SELECT 1 FROM _rs_set_aside LIMIT 1") != nil { return nil }
        var positions: [RootPosition?] = [try rootPosition()]
        for child in children { positions.append(try childStable(child)) }
        return RootPosition.lowest(positions)
    }

    /// A child's last report (kept only when it moves forward within one root database).
    public func noteStable(child: String, _ p: RootPosition) throws {
        // A child cannot have received more of the root's feed than this node holds: a report
        // beyond that (or for another root database) is not taken.
        guard let mine = try rootPosition(), mine.database == p.database, p.position <= mine.position else { return }
        if let old = try childStable(child), old.database == p.database, old.position >= p.position { return }
        try db.run("UPDATE _rs_link SET stable_database = ?, stable_position = ? WHERE node = ?", p.database, p.position, child)
    }

    func childStable(_ child: String) throws -> RootPosition? {
        try db.first("SELECT stable_database, stable_position FROM _rs_link WHERE node = ? AND stable_database IS NOT NULL", child) {
            RootPosition(database: $0.string(0), position: $0.int64(1))
        }
    }

    /// The position of the root's feed up to which every node has received everything and sent
    /// up everything written before: the lowest of the children's reports (all of the feed when
    /// the root has no children). Only the root knows it.
    /// (The root's own report: its position is all of its feed, and no child's report is taken
    /// beyond it or for another database, so the lowest is the children's.)
    public func stablePosition() throws -> RootPosition? {
        parentLink == nil ? try stableReport() : nil
    }

    /// At the root: purges up to `limit` tombstones that are causally stable and whose deletes
    /// are older than `deletedBefore` (ms since 1970), and records a notice for each. Candidates
    /// are examined from where the last call stopped, so no early tombstone blocks later ones.
    @discardableResult
    public func purgeStable(limit: Int, deletedBefore: Int64) throws -> Int {
        guard let stable = try stablePosition() else { return 0 }
        try reloadCatalogueIfChanged()
        // Read first, outside a write: an idle round must not write (other processes watch the file).
        var candidates: [(id: Int64, resource: String, key: String, outside: Bool)] = []
        for (range, bound, room) in [("id > ?", purgeScanFrom, limit), ("id <= ?", purgeScanFrom, limit)] where candidates.count < limit {
            try db.forEach("SELECT id, resource, key, outside FROM _rs_record WHERE deleted = 1 AND visible = 0 AND \(range) ORDER BY id LIMIT ?",
                           bound, room - candidates.count) {
                candidates.append(($0.int64(0), $0.string(1), $0.string(2), $0.int64(3) == 1))
            }
        }
        purgeScanFrom = candidates.count < limit ? 0 : candidates.last?.id ?? 0
        var stableOnes: [(id: Int64, resource: Resource, key: String, covered: VersionVector)] = []
        for (id, resource, key, outside) in candidates {
            guard !outside, let r = catalogue.resource(resource), r.share != .none else { continue }
            var versions: [GroupVersion] = []
            var newest: Int64 = 0
            try db.forEach("SELECT \(Self.runColumns) FROM _rs_version v WHERE v.record = ?", id) { row in
                newest = max(newest, row.int64(0))
                versions += try self.versions(ofRun: row, resource: resource, key: key).map(\.version)
            }
            // Every version of it arrived before the stable position: every node has received
            // them, and nothing written without seeing its delete is still on its way.
            guard newest > 0, newest <= stable.position,
                  let covered = TombstoneStability.purgeable(versions, deletedBefore: deletedBefore) else { continue }
            stableOnes.append((id, r, key, covered))
        }
        guard !stableOnes.isEmpty else { return 0 }
        return try writing {
            for t in stableOnes { try purge(record: t.id, t.resource, t.key, covered: t.covered) }
            try audit("tombstones_purged", detail: "count=\(stableOnes.count) stable=\(stable.position)", user: "rootsync")
            return stableOnes.count
        }
    }

    /// Notices for `child` after `position`: records whose scope lies in its subtree, and every
    /// record of a 无条件共享 resource (routed everywhere).
    public func purgeNotices(for child: String, after position: Int64, limit: Int) throws -> (notices: [PurgeNotice], last: Int64, more: Bool) {
        let j = Jurisdiction(node: child)
        let unconditional = catalogue.resources.filter { $0.share == .unconditional }.map { "'\($0.name)'" }.joined(separator: ",")
        var notices: [PurgeNotice] = []
        var last = position
        try db.forEach("""
            SELECT p.id, r.resource, r.key, r.scope, p.covered FROM _rs_purge p JOIN _rs_record r ON r.id = p.record
            WHERE p.id > ? AND (substr(r.scope, 1, ?) = ? OR r.resource IN (\(unconditional.isEmpty ? "''" : unconditional)))
            ORDER BY p.id LIMIT ?
            """, position, j.prefix.count, j.prefix, limit + 1) { row in
            guard notices.count < limit else { return }
            let covered = try row.withBlob(4) { try StorageCodec.decodeVector($0, actor: self.actor(row:)) }
            notices.append(PurgeNotice(resource: row.string(1), key: row.string(2), scope: row.string(3), covered: covered))
            last = row.int64(0)
        }
        let more = try db.scalarInt("SELECT 1 FROM _rs_purge WHERE id > ? LIMIT 1", last) != nil && notices.count == limit
        return (notices, last, more)
    }

    /// The newest purge notice held (a child's cursor never passes it).
    public func purgeHead() throws -> Int64 {
        Int64(try db.scalarInt("SELECT seq FROM sqlite_sequence WHERE name = '_rs_purge'") ?? 0)
    }

    /// Applies notices from the parent, with the cursor that follows them, in one transaction.
    /// A record not held here gets its purged row and notice all the same: after this node was
    /// restored from a backup older than the record, a child may still hold it, and push it
    /// back, or need the notice passed down.
    @discardableResult
    public func applyPurges(_ notices: [PurgeNotice], recording: [(String, String)]) throws -> Int {
        try reloadCatalogueIfChanged()
        let changed = try recording.filter { try syncState($0.0) != $0.1 }
        guard !notices.isEmpty || !changed.isEmpty else { return 0 }
        return try writing {
            var applied = 0
            for n in notices {
                // (A key not in its standard form names no record: nothing to keep out.)
                guard let r = catalogue.resource(n.resource), (try? normalizedKey(r, n.key)) == n.key else { continue }
                let state = try loadRecord(r, n.key)
                if !state.isStored {
                    try db.run("INSERT INTO _rs_record(id, resource, key, scope, visible, deleted, purged) VALUES(?, ?, ?, ?, 0, 0, 1)",
                               state.id, r.name, n.key, n.scope)
                }
                try purge(record: state.id, r, n.key, covered: n.covered)
                applied += 1
            }
            for (name, value) in changed { try setSyncState(name, value) }
            return applied
        }
    }

    /// What earlier notices left gone of a record (nil when none applied to it).
    func purgedCover(record id: Int64) throws -> VersionVector? {
        try db.first("SELECT covered FROM _rs_purge WHERE record = ?", id) { row in
            try row.withBlob(0) { try StorageCodec.decodeVector($0, actor: self.actor(row:)) }
        }
    }

    /// Drops every version of the record that `covered` covers (a run wholly covered goes, with
    /// its routes; in a run partly covered the covered versions are marked superseded), shows the
    /// record as what is left says, and keeps the notice for this node's children.
    func purge(record id: Int64, _ r: Resource, _ key: String, covered new: VersionVector) throws {
        let covered = try purgedCover(record: id).map { $0.merging(new) } ?? new
        var runs: [(id: Int64, mask: Int64, all: Bool)] = []
        // A run's dots are its actor's counters seq … seq+n-1: no body needs decoding.
        try db.forEach("SELECT id, actor, seq, n FROM _rs_version WHERE record = ?", id) { row in
            let actor = try self.actor(row: row.int64(1)), seq = row.int64(2), n = row.int(3)
            var mask: Int64 = 0
            for i in 0..<n where covered.covers(Dot(actor: actor, seq: seq + Int64(i))) { mask |= 1 << Int64(i) }
            if mask != 0 { runs.append((row.int64(0), mask, mask == (1 << Int64(n)) - 1)) }
        }
        for run in runs {
            if run.all {
                try db.run("DELETE FROM _rs_route WHERE version = ?", run.id)
                try db.run("DELETE FROM _rs_version WHERE id = ?", run.id)
            } else {
                try db.run("UPDATE _rs_version SET superseded = superseded | ? WHERE id = ?", run.mask, run.id)
            }
        }
        var state = try loadRecord(r, key)
        if try refresh(&state) == nil {
            // Nothing left: no row, and the record is neither shown nor a tombstone any more.
            try db.run(try rowStatements(r).delete, values: [.text(key)])
            try db.run("UPDATE _rs_record SET visible = 0, deleted = 0, conflicts = '' WHERE id = ?", id)
        }
        try db.run("UPDATE _rs_record SET purged = 1 WHERE id = ?", id)
        try db.run("INSERT OR REPLACE INTO _rs_purge(record, covered) VALUES(?, ?)", id, try StorageCodec.encode(covered, actorRow: actorID))
    }
}

extension Replica {
    /// A received version a purge notice covers: not stored, but counted as held, so the
    /// have-vector moves past it as if it had been (it was held here, or would have been).
    func notePurgedArrival(_ v: GroupVersion) throws {
        guard session != nil else { preconditionFailure("notePurgedArrival outside a write") }
        let actor = try actorID(v.dot.actor)
        if actor != session!.actorRow { session!.received[actor, default: []].insert(v.dot.seq) }
        try advanceHave(actor: actor, storing: v.dot.seq)
    }
}

extension Replica {
    /// Whether the record was purged here as a stable tombstone with nothing written since (so
    /// `history` can say why it holds nothing of it).
    public func wasPurged(_ resourceName: String, key rawKey: String) throws -> Bool {
        let r = try resource(resourceName)
        let key = try normalizedKey(r, rawKey)
        return try db.scalarInt("""
            SELECT 1 FROM _rs_record r WHERE r.resource = ? AND r.key = ? AND r.purged = 1
                AND NOT EXISTS (SELECT 1 FROM _rs_version v WHERE v.record = r.id)
            """, r.name, key) != nil
    }
}
