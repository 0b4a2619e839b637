import Catalogue
import Causality
import JSON
import SQLite
import Sync

extension Replica {
    // MARK: Links

    func loadLinks() throws {
        guard try db.tableExists("_rs_link") else { return }
        children = try db.all("SELECT node FROM _rs_link WHERE role = 'child' ORDER BY node") { $0.string(0) }
        parentLink = try db.scalarText("SELECT node FROM _rs_link WHERE role = 'parent'")
    }

    /// Records which node this replica pulls from and which it serves.
    public func setLinks(parent: String?, children: [String]) throws {
        try db.transaction {
            try db.run("DELETE FROM _rs_link WHERE role = 'parent' AND node IS NOT ?", parent)
            if let parent { try db.run("INSERT OR IGNORE INTO _rs_link(node, role) VALUES(?, 'parent')", parent) }
            let keep = Set(children)
            for old in try db.all("SELECT node FROM _rs_link WHERE role = 'child'", map: { $0.string(0) }) where !keep.contains(old) {
                try db.run("DELETE FROM _rs_link WHERE node = ?", old)
            }
            for c in children { try db.run("INSERT OR IGNORE INTO _rs_link(node, role) VALUES(?, 'child')", c) }
        }
        try loadLinks()
    }

    /// Stores the hash of a child's link credential (rotating replaces it at once).
    public func setChildCredentialHash(_ child: String, _ hash: String?) throws {
        guard children.contains(child) else { throw ReplicaError.unknownResource("child link \(child)") }
        try db.run("UPDATE _rs_link SET credential_hash = ? WHERE node = ? AND role = 'child'", hash, child)
    }

    public func childCredentialHash(_ child: String) throws -> String? {
        try db.scalarText("SELECT credential_hash FROM _rs_link WHERE node = ? AND role = 'child'", child)
    }

    /// Link facts for `status`.
    public func linkStates() throws -> [LinkState] {
        try db.all("""
            SELECT node, role, last_push_ms, last_pull_ms, last_seen_ms, last_error, pushed, pulled,
                   (SELECT coalesce(sum(v.n), 0) FROM _rs_route r JOIN _rs_version v ON v.id = r.version WHERE r.child = l.node)
            FROM _rs_link l ORDER BY role DESC, node
            """) { row in
            LinkState(node: row.string(0), role: row.string(1),
                      lastPushMilliseconds: row.isNull(2) ? nil : row.int64(2),
                      lastPullMilliseconds: row.isNull(3) ? nil : row.int64(3),
                      lastSeenMilliseconds: row.isNull(4) ? nil : row.int64(4),
                      lastError: row.text(5), pushed: row.int(6), pulled: row.int(7), routesPending: row.int(8))
        }
    }

    // MARK: Routing (decided when a version is stored)

    /// Queues the versions just stored for every child link that must receive them. A record
    /// moving into a child's subtree sends that child its whole history (move-in); the version
    /// that moves it away still goes to the child it leaves, which then drops it (move-out).
    func route(_ state: RecordState, stored: [StoredVersion], newScope: String) throws {
        let r = state.resource
        guard !children.isEmpty, r.share != .none, !stored.isEmpty else { return }
        let oldScope = state.storedScope
        for child in children {
            let j = Jurisdiction(node: child)
            let reachesNew = r.share == .unconditional || j.contains(newScope)
            let heldBefore = r.share == .unconditional || (oldScope.map(j.contains) ?? false)
            if reachesNew && !heldBefore && oldScope != nil {
                try db.run("""
                    INSERT INTO _rs_route(child, version) SELECT ?, id FROM _rs_version
                    WHERE record = ? AND link <> ? ORDER BY id
                    """, child, state.id, try existingNameID(child) ?? -1)
                continue
            }
            for v in stored where v.link != child && (reachesNew || heldBefore || j.contains(v.scope)) {
                try db.run("INSERT INTO _rs_route(child, version) VALUES(?, ?)", child, v.id)
            }
        }
    }

    /// Routed versions for `child` after route position `after`, in order: whole runs, until
    /// about `limit` versions.
    public func routed(to child: String, after: Int64, limit: Int) throws -> (versions: [GroupVersion], last: Int64, more: Bool) {
        var versions: [GroupVersion] = []
        var last = after
        try db.forEach("""
            SELECT \(Self.runColumns), r.resource, r.key, t.id FROM _rs_route t
            JOIN _rs_version v ON v.id = t.version JOIN _rs_record r ON r.id = v.record
            WHERE t.child = ? AND t.id > ? ORDER BY t.id LIMIT ?
            """, child, after, limit) { row in
            guard versions.count < limit else { return }
            versions += try self.versions(ofRun: row).map(\.version)
            last = row.int64(10)
        }
        let more = try db.scalarInt("SELECT 1 FROM _rs_route WHERE child = ? AND id > ? LIMIT 1", child, last) != nil
        return (versions, last, more)
    }

    /// Records that `child` holds everything routed to it up to `position` (the cursor it sent),
    /// and forgets those routes: they will not be needed again.
    public func acknowledgeRoutes(child: String, through position: Int64) throws {
        // Write nothing when nothing changed, so an idle poll leaves the database untouched.
        let acked = Int64(try db.scalarInt("SELECT acked_route FROM _rs_link WHERE node = ?", child) ?? 0)
        guard position > acked else { return }
        try db.transaction {
            try db.run("UPDATE _rs_link SET acked_route = max(acked_route, ?) WHERE node = ? AND role = 'child'", position, child)
            try db.run("DELETE FROM _rs_route WHERE child = ? AND id <= ?", child, position)
        }
    }

    /// The newest change-feed position ever given out (scan cursors point into the feed).
    public func feedHead() throws -> Int64 {
        Int64(try db.scalarInt("SELECT seq FROM sqlite_sequence WHERE name = '_rs_version'") ?? 0)
    }

    /// The route position `child` has confirmed holding.
    public func ackedRoute(child: String) throws -> Int64 {
        Int64(try db.scalarInt("SELECT acked_route FROM _rs_link WHERE node = ?", child) ?? 0)
    }

    /// The highest route and change-feed positions this replica ever named in a cursor it gave
    /// `child`. A cursor beyond them was not given by this replica's history: it went back in time.
    public func issuedPositions(child: String) throws -> (route: Int64, feed: Int64) {
        try db.first("SELECT issued_route, issued_feed FROM _rs_link WHERE node = ?", child, map: { ($0.int64(0), $0.int64(1)) }) ?? (0, 0)
    }

    /// Records the positions of a cursor about to be given to `child` (before it is sent, so a
    /// crash can only leave the record ahead of what the child holds). Writes only when they grow.
    public func noteIssued(child: String, route: Int64, feed: Int64) throws {
        let issued = try issuedPositions(child: child)
        guard route > issued.route || feed > issued.feed else { return }
        try db.run("UPDATE _rs_link SET issued_route = max(issued_route, ?), issued_feed = max(issued_feed, ?) WHERE node = ? AND role = 'child'",
                   route, feed, child)
    }

    /// Routes (one per run) not yet confirmed by `child`. `linkStates` counts the versions in them.
    public func routesPending(child: String) throws -> Int {
        try db.scalarInt("SELECT count(*) FROM _rs_route WHERE child = ?", child) ?? 0
    }

    /// The newest route position (a new child's scan switches to routes from here).
    public func routeHead() throws -> Int64 {
        Int64(try db.scalarInt("SELECT seq FROM sqlite_sequence WHERE name = '_rs_route'") ?? 0)
    }

    /// Every version in `child`'s subtree after version id `after`, for a first load or after
    /// either side was restored from a backup. Used rarely; the routes serve everyday pulls.
    public func scan(for child: String, after: Int64, limit: Int) throws -> (versions: [GroupVersion], last: Int64, more: Bool) {
        try reloadCatalogueIfChanged()
        let filter = subtreeRuns(of: child)
        var versions: [GroupVersion] = []
        var last = after
        var rows = 0
        try db.forEach("""
            SELECT \(Self.runColumns), r.resource, r.key FROM \(Self.runSource)
            WHERE v.id > ? AND \(filter.sql) ORDER BY v.id LIMIT ?
            """, arguments: [after] + filter.arguments + [limit]) { row in
            guard versions.count < limit else { return }
            rows += 1
            versions += try self.versions(ofRun: row).map(\.version)
            last = row.int64(0)
        }
        return (versions, last, versions.count >= limit || rows == limit)
    }

    /// How many versions `child` still has to pull after `cursor`: the rest of a scan of its
    /// subtree (the routes that follow a scan mostly repeat what it sends, so they are not
    /// added), or its routes after the position. One count per round, for progress displays.
    public func versionsPending(for child: String, after cursor: PullCursor) throws -> Int64 {
        if cursor.mode == .route {
            return Int64(try db.scalarInt("""
                SELECT coalesce(sum(v.n), 0) FROM _rs_route t JOIN _rs_version v ON v.id = t.version WHERE t.child = ? AND t.id > ?
                """, child, cursor.position) ?? 0)
        }
        let filter = subtreeRuns(of: child)
        return try db.first("SELECT coalesce(sum(v.n), 0) FROM \(Self.runSource) WHERE v.id > ? AND \(filter.sql)",
                            arguments: [cursor.position] + filter.arguments) { $0.int64(0) } ?? 0
    }

    /// The runs a scan for `child` sends, as an SQL condition over `v` and `r` (`runSource`):
    /// shared resources' records in its subtree, or that lived there once (the child may still
    /// hold one that moved away), and every record of unconditionally shared resources.
    private func subtreeRuns(of child: String) -> (sql: String, arguments: [SQLBindable?]) {
        let j = Jurisdiction(node: child)
        let list = { (names: [String]) in names.map { "'\($0)'" }.joined(separator: ",") }
        let shared = list(catalogue.resources.filter { $0.share != .none }.map(\.name))
        let unconditional = list(catalogue.resources.filter { $0.share == .unconditional }.map(\.name))
        return ("""
            +r.resource IN (\(shared)) AND
              (substr(r.scope, 1, ?) = ?
               OR EXISTS (SELECT 1 FROM _rs_version w WHERE w.record = v.record AND substr(w.scope, 1, ?) = ?)
               OR +r.resource IN (\(unconditional)))
            """, [j.prefix.count, j.prefix, j.prefix.count, j.prefix])
    }

    // MARK: Have-vectors and push

    /// For each actor whose node lies in `subtree` (a code prefix): the highest counter held
    /// with no gap below it. The parent answers this fresh each round; the child sends the rest.
    public func haveVector(subtree prefix: String) throws -> [Actor: Int64] {
        var out: [Actor: Int64] = [:]
        try db.forEach("""
            SELECT a.name, h.seq FROM _rs_have h JOIN _rs_actor a ON a.id = h.actor
            WHERE substr(a.name, 1, ?) = ?
            """, prefix.count, prefix) { row in
            if let actor = Actor(row.string(0)) { out[actor] = row.int64(1) }
        }
        return out
    }

    /// Versions the parent lacks: for each actor of this node's subtree, those above the parent's
    /// have, in counter order, never those that came from the parent, never 不予共享 resources.
    public func versionsToPush(parentHave: [Actor: Int64], limit: Int) throws -> [GroupVersion] {
        try pushBatch(parentHave: parentHave, limit: limit).versions
    }

    /// The next push: versions the parent lacks, and for each actor the counter range the batch
    /// covers completely. Versions of 不予共享 resources are never sent, so they leave gaps in the
    /// parent's counters; the declaration lets the parent's have-vector move past them (otherwise
    /// every round would resend everything written after the first unshared version).
    public func pushBatch(parentHave: [Actor: Int64], limit: Int) throws -> (versions: [GroupVersion], through: [Actor: (from: Int64, to: Int64)]) {
        try reloadCatalogueIfChanged()
        var selection = PushSelection(parentHave: parentHave, limit: limit)
        // The parent's own writes of an earlier epoch that it reports lacking (it was restored
        // from a backup) go first: what we wrote after seeing them depends on them.
        if let parent = parentLink {
            // max() over one actor's index range is one B-tree descent; a GROUP BY over the join
            // read every version the parent ever wrote (linear in the replica: the no-op round's cost).
            let theirs = try db.all("""
                SELECT a.name, (SELECT v.seq + v.n - 1 FROM _rs_version v WHERE v.actor = a.id ORDER BY v.seq DESC LIMIT 1) AS top FROM _rs_actor a
                WHERE a.name LIKE ? AND top IS NOT NULL
                """, parent + ":%") { row in
                (Actor(row.string(0)), row.int64(1))
            }
            var old: [Actor: Int64] = [:]
            for case let (actor?, top) in theirs where parentHave[actor] != nil && top > parentHave[actor]! { old[actor] = top }
            try select(&selection, actors: old, excludingLink: nil, declare: false)
        }
        try select(&selection, actors: try haveVector(subtree: node.jurisdiction.prefix), excludingLink: parentLink, declare: true)
        return (selection.versions, selection.through)
    }

    /// Versions the parent lacks among `actors` (each up to its top), per actor in counter order,
    /// never those that came from `excludingLink`, never 不予共享 resources. A version is sent
    /// only after what its writer had seen of our subtree: the parent refuses a vector naming a
    /// counter it neither holds nor receives in the same batch, so an actor whose next version
    /// needs another actor's unsent one waits for a later pass (or the next batch).
    private func select(_ selection: inout PushSelection, actors tops: [Actor: Int64], excludingLink: String?, declare: Bool) throws {
        let shared = catalogue.resources.filter { $0.share != .none }.map { "'\($0.name)'" }.joined(separator: ",")
        let excluded = try excludingLink.flatMap(existingNameID) ?? -1
        var pending = tops.filter { $0.value > (selection.parentHave[$0.key] ?? 0) }.keys.sorted()
        var position: [Actor: Int64] = [:]
        for actor in pending { position[actor] = selection.parentHave[actor] ?? 0 }
        // Each pass sends every actor as far as its dependencies allow; stop when a pass moves none.
        while !pending.isEmpty && !selection.isFull {
            var progressed = false
            var blocked: [Actor] = []
            for actor in pending where !selection.isFull {
                let have = selection.parentHave[actor] ?? 0
                let top = tops[actor]!
                let room = selection.room
                guard let actorRow = try existingActorID(actor) else { continue }
                var taken = 0
                var stopped = false
                let from = position[actor]!
                let setAside = Set(try db.all("SELECT seq FROM _rs_set_aside WHERE actor = ? AND seq > ? AND seq <= ?",
                                              actorRow, from, top) { $0.int64(0) })
                // Runs overlapping (from, top]: the one holding from+1 starts at or below it.
                let start = try run(actor: actorRow, holding: from + 1)?.first ?? (from + 1)
                var rowsRead = 0
                try db.forEach("""
                    SELECT \(Self.runColumns), r.resource, r.key FROM \(Self.runSource)
                    WHERE v.actor = ? AND v.seq >= ? AND v.seq <= ? AND +r.resource IN (\(shared))
                    ORDER BY v.seq LIMIT ?
                    """, actorRow, start, top, room + 1) { row in
                    rowsRead += 1
                    guard !stopped, taken < room else { return }
                    let fromLink = row.int64(5) == excluded
                    for h in try versions(ofRun: row) where h.version.dot.seq > from && h.version.dot.seq <= top {
                        guard !stopped, taken < room else { return }
                        let v = h.version
                        // Came from the parent, or refused by it: never sent; `through` steps over it.
                        if fromLink || setAside.contains(v.dot.seq) {
                            position[actor] = v.dot.seq
                            continue
                        }
                        guard try dependenciesSent(v, selection) else { stopped = true; return }
                        selection.append(v)
                        position[actor] = v.dot.seq
                        taken += 1
                    }
                }
                if taken > 0 { progressed = true }
                // (All `room + 1` rows read: more may follow, even when skipped ones kept `taken` low.)
                if stopped || taken >= room || rowsRead > room {
                    blocked.append(actor)
                    if declare { selection.through[actor] = (have, position[actor]!) }
                } else {
                    // Nothing shareable left up to our own have: the range is complete.
                    position[actor] = top
                    if declare { selection.through[actor] = (have, top) }
                }
            }
            pending = blocked
            if !progressed { break }
        }
    }

    /// True when every counter of our subtree (or the parent's earlier epochs) that `v`'s writer
    /// had seen is held by the parent or already in this batch. A counter we cannot send (it came
    /// from the parent, or is not held here) is the parent's to judge.
    private func dependenciesSent(_ v: GroupVersion, _ selection: PushSelection) throws -> Bool {
        for (actor, seq) in v.vector.entries where actor != v.dot.actor {
            // The parent's have names its earlier epochs (those we send back); its current one it holds.
            let ours = actor.node.hasPrefix(node.jurisdiction.prefix) || (actor.node == parentLink && selection.parentHave[actor] != nil)
            guard ours, seq > (selection.parentHave[actor] ?? 0), seq > (selection.sent[actor] ?? 0) else { continue }
            guard let actorRow = try existingActorID(actor) else { continue }
            let held: (String, Bool)?
            if let run = try run(actor: actorRow, holding: seq) {
                held = (try link(row: run.link), try db.scalarInt("SELECT 1 FROM _rs_set_aside WHERE actor = ? AND seq = ?", actorRow, seq) != nil)
            } else {
                held = nil
            }
            if let (link, setAside) = held, !setAside, link != parentLink || actor.node == parentLink { return false }
        }
        return true
    }

    /// Forgets records that moved out of this node's subtree once the parent holds every
    /// version of them that was written here or below. Returns how many were dropped.
    @discardableResult
    public func purgeMovedOut(parentHave: [Actor: Int64]) throws -> Int {
        // Every round asks this; the partial index `_rs_record_outside` (migration 5) holds only
        // the few records that moved out, so a no-op round reads nothing else.
        let records = try db.all("SELECT resource, key, id FROM _rs_record WHERE outside = 1") { ($0.string(0), $0.string(1), $0.int64(2)) }
        var purged = 0
        try db.transaction {
            for (resource, key, id) in records {
                let versions = try allVersions(resource, key)
                let acknowledged = versions.allSatisfy { item in
                    item.link == parentLink || (parentHave[item.version.dot.actor] ?? 0) >= item.version.dot.seq
                }
                // A middle node keeps it until its own children have received what was routed to them.
                let undelivered = try db.scalarInt("""
                    SELECT 1 FROM _rs_route r JOIN _rs_link l ON l.node = r.child
                    WHERE r.version IN (SELECT id FROM _rs_version WHERE record = ?) AND r.id > l.acked_route
                    LIMIT 1
                    """, id) != nil
                // A version the parent refused is the only copy there is: the record stays.
                let setAside = try db.scalarInt("""
                    SELECT 1 FROM _rs_set_aside s JOIN _rs_version v ON v.actor = s.actor AND s.seq BETWEEN v.seq AND v.seq + v.n - 1
                    WHERE v.record = ? LIMIT 1
                    """, id) != nil
                guard acknowledged && !undelivered && !setAside else { continue }
                try db.run("DELETE FROM _rs_route WHERE version IN (SELECT id FROM _rs_version WHERE record = ?)", id)
                try db.run("DELETE FROM _rs_version WHERE record = ?", id)
                try db.run("DELETE FROM _rs_record WHERE id = ?", id)
                purged += 1
            }
        }
        return purged
    }

    /// The database's identity: pull cursors carry it, so a child notices a restored parent.
    public var databaseID: String { (try? meta("database_id")) ?? "" }

    /// A stored value for the sync runtime (cursors, counters), kept in `_rs_meta`.
    public func syncState(_ name: String) throws -> String? { try meta("sync." + name) }
    public func setSyncState(_ name: String, _ value: String) throws { try setMeta("sync." + name, value) }

    /// How stale `status` may show an idle link's last success: an exchange that moved nothing
    /// is recorded only when the last record of the link is older than this (or was an error).
    public static let idleLinkRefreshMilliseconds: Int64 = 60_000

    /// Notes a link's activity for `status`. `push`/`pull` non-nil: that direction was exchanged
    /// successfully at `ms` (moving that many versions); `error`: the exchange failed.
    public func noteLink(_ node: String, push: Int? = nil, pull: Int? = nil, error: String? = nil, at ms: Int64) throws {
        if (push ?? 0) == 0 && (pull ?? 0) == 0 && error == nil {
            // An idle success. Other processes watch the file for changes (the agent's wake-up),
            // so it is written only when it tells something new: the link recovered from an
            // error, or never succeeded in that direction, or its last record is older than
            // `idleLinkRefreshMilliseconds`. Idle rounds write at most once a minute.
            let stale = try db.scalarInt("""
                SELECT count(*) FROM _rs_link WHERE node = ? AND (last_error IS NOT NULL OR last_seen_ms IS NULL OR last_seen_ms < ?
                    OR (? IS NOT NULL AND (last_push_ms IS NULL OR last_push_ms < ?))
                    OR (? IS NOT NULL AND (last_pull_ms IS NULL OR last_pull_ms < ?)))
                """, node, ms - Self.idleLinkRefreshMilliseconds, push, ms - Self.idleLinkRefreshMilliseconds,
                pull, ms - Self.idleLinkRefreshMilliseconds) ?? 0
            guard stale > 0 else { return }
        }
        try db.run("""
            UPDATE _rs_link SET last_seen_ms = ?,
                last_push_ms = CASE WHEN ? IS NOT NULL THEN ? ELSE last_push_ms END,
                last_pull_ms = CASE WHEN ? IS NOT NULL THEN ? ELSE last_pull_ms END,
                pushed = pushed + coalesce(?, 0), pulled = pulled + coalesce(?, 0),
                last_error = ?
            WHERE node = ?
            """, ms, push, ms, pull, ms, push, pull, error, node)
    }
}

extension Replica {
    /// Keeps a version the parent refused out of every later push: it stays here (current, shown,
    /// listed by `status` and `rootsync doctor`), and the batch's `through` lets the parent's
    /// have-vector step over it, so one refused edit never holds up the rest.
    public func setAside(_ dot: Dot, reason: String) throws {
        try db.transaction {
            guard let id = try existingActorID(dot.actor) else { return }
            try db.run("INSERT OR IGNORE INTO _rs_set_aside(actor, seq, reason, at_ms) VALUES(?, ?, ?, ?)", id, dot.seq, reason, now())
            try audit("push_set_aside", detail: "\(dot) \(reason)", user: "rootsync")
        }
    }

    /// Versions set aside after the parent refused them, with its reason.
    public func setAsideVersions() throws -> [(version: GroupVersion, reason: String)] {
        try db.all("""
            SELECT \(Self.runColumns), r.resource, r.key, s.reason, s.seq FROM _rs_set_aside s
            JOIN _rs_version v ON v.actor = s.actor AND s.seq BETWEEN v.seq AND v.seq + v.n - 1
            JOIN _rs_record r ON r.id = v.record ORDER BY s.at_ms
            """) { row in
            let seq = row.int64(11)
            guard let v = try versions(ofRun: row).first(where: { $0.version.dot.seq == seq })?.version else {
                throw StorageCodec.Malformed(what: "set-aside counter \(seq) not in its run")
            }
            return (v, row.string(10))
        }
    }
}
