import Catalogue
import Causality
import JSON
import SQLite

extension Replica {
    /// The one entry point for versions received from another node. Runs in one transaction:
    /// either the whole batch is stored or nothing is. Idempotent: versions already held are
    /// skipped. Each version is checked against the catalogue before anything is written.
    ///
    /// - Parameters:
    ///   - within: when the versions are pushed by a child, its jurisdiction: every version must
    ///     have been written in that subtree and lie inside it, or the whole batch is refused.
    ///   - recording: sync state (a cursor) to store in the same transaction, so the batch and
    ///     the cursor that says it was received can never disagree after a crash.
    @discardableResult
    public func apply(_ versions: [GroupVersion], from link: String, within: Jurisdiction? = nil,
                      recording: [(String, String)] = [], through: [Actor: (from: Int64, to: Int64)] = [:],
                      writer: Actor? = nil) throws -> ApplyResult {
        try reloadCatalogueIfChanged()
        var keysChecked = Set<String>()
        for v in versions {
            do { try checkRemote(v, keysChecked: &keysChecked) } catch let e as ReplicaError where within != nil {
                throw ReplicaError.refused(dot: v.dot, reason: e)
            }
        }
        // Nothing received: write nothing (other processes watch the file for changes), unless
        // the cursor itself moved.
        if versions.isEmpty && through.isEmpty {
            let changed = try recording.filter { try syncState($0.0) != $0.1 }
            if !changed.isEmpty { try db.transaction { for (name, value) in changed { try setSyncState(name, value) } } }
            return ApplyResult()
        }
        let result: ApplyResult = try writing(drain: false) {
            // A child's claims are checked against what this node holds, read in the same
            // transaction that stores the batch.
            // Versions already held are skipped below whatever they claim (looked up once).
            var held = try heldDots(versions)
            if let within {
                let fresh = versions.filter { !held.contains($0.dot) }
                var facts = try pushFacts(fresh, through: through, within: within)
                // The child says which epoch it writes under now: taken as confirmed, once the
                // credential has authenticated it. (A parent cannot see a child's restore; the
                // child's own identity check moves it above any epoch it did not take.)
                if let writer, writer.node == within.node {
                    facts.confirmedEpoch = max(writer.epoch, try confirmedEpoch(child: within.node))
                    if writer.epoch > (try confirmedEpoch(child: within.node)) {
                        try db.run("UPDATE _rs_link SET confirmed_epoch = ? WHERE node = ?", writer.epoch, within.node)
                    }
                } else {
                    facts.confirmedEpoch = try confirmedEpoch(child: within.node)
                }
                try PushVerification(within: within, catalogue: catalogue, facts: facts).verify(fresh, through: through, batch: versions)
            }
            try drainCaptured()
            var result = ApplyResult()
            // Each record is read once, changed in memory version by version, and written once.
            var records: [RecordState] = []
            var index: [String: Int] = [:]
            for v in versions {
                // (A dot twice in one batch: the second is held by the time it comes.)
                if !held.insert(v.dot).inserted { result.skipped += 1; continue }
                do { try session!.clock.observe(v.hlc, now: now()) } catch {
                    throw ReplicaError.badRemoteVersion("\(v.resource) \(v.key) \(v.dot): \(error)")
                }
                let id = v.resource + "\u{0}" + v.key
                let k: Int
                if let known = index[id] {
                    k = known
                } else {
                    k = records.count
                    index[id] = k
                    records.append(try loadRecord(try resource(v.resource), v.key))
                }
                // Purged here: what the notice covers is gone for good (held, as far as counters go).
                if let gone = records[k].purged, gone.covers(v.dot) {
                    try notePurgedArrival(v)
                    result.skipped += 1
                    continue
                }
                let (_, superseded, accepted) = Resolution.insert(v, into: records[k].current[v.group] ?? [])
                try insertVersion(v, link: link, current: accepted, into: &records[k])
                try markSuperseded(superseded, in: &records[k])
                result.applied += 1
            }
            for k in records.indices { try refresh(&records[k]) }
            result.records = records.count
            for (name, value) in recording { try setSyncState(name, value) }
            try advanceHave(through, within: within)
            if result.applied > 0 {
                try audit(within != nil ? "batch_from_child" : "batch_from_link",
                          detail: "link=\(link) applied=\(result.applied) skipped=\(result.skipped) records=\(result.records)", user: link)
            }
            return result
        }
        // The generation moved: record it beside the file (not inside a caller's transaction).
        if generationMoved { try writeLease() }
        return result
    }

    /// The dots of `versions` already held: per actor, the runs overlapping the batch's counters
    /// are read once (a batch is mostly one writer's consecutive counters). A sparse batch (its
    /// counters far apart, as only a hostile sender makes) is looked up dot by dot instead, so it
    /// cannot make the parent read every run between them.
    func heldDots(_ versions: [GroupVersion]) throws -> Set<Dot> {
        var held = Set<Dot>()
        for (actor, vs) in Dictionary(grouping: versions, by: \.dot.actor) {
            guard let row = try existingActorID(actor) else { continue }
            let seqs = vs.map(\.dot.seq)
            let lo = seqs.min()!, hi = seqs.max()!
            guard hi - lo <= 4 * Int64(vs.count) + 64 else {
                for v in vs where try run(actor: row, holding: v.dot.seq) != nil { held.insert(v.dot) }
                continue
            }
            let start = try run(actor: row, holding: lo)?.first ?? lo
            var runs: [ClosedRange<Int64>] = []
            try db.forEach("SELECT seq, n FROM _rs_version WHERE actor = ? AND seq >= ? AND seq <= ? ORDER BY seq", row, start, hi) {
                runs.append($0.int64(0)...($0.int64(0) + $0.int64(1) - 1))
            }
            for v in vs {
                // The last run starting at or below the counter (runs are in counter order).
                var a = 0, b = runs.count
                while a < b { let m = (a + b) / 2; if runs[m].lowerBound <= v.dot.seq { a = m + 1 } else { b = m } }
                if a > 0 && runs[a - 1].contains(v.dot.seq) { held.insert(v.dot) }
            }
        }
        return held
    }

    /// The newest epoch of a child's own code the child has declared in a push here.
    func confirmedEpoch(child: String) throws -> Int {
        try db.scalarInt("SELECT confirmed_epoch FROM _rs_link WHERE node = ?", child) ?? 0
    }

    /// What the parent holds that a push's claims are checked against (PushVerification).
    func pushFacts(_ versions: [GroupVersion], through: [Actor: (from: Int64, to: Int64)], within: Jurisdiction) throws -> PushVerification.Facts {
        var facts = PushVerification.Facts(parent: try currentActor(), issued: try localCounter())
        facts.clock = (now(), maxClockDriftMilliseconds)
        let named = PushVerification.namedActors(versions, through: through)
        for actor in named {
            guard let id = try existingActorID(actor) else { continue }
            // A counter below the have-vector was held here even when its run is gone since (the
            // record moved away or was purged as a stable tombstone).
            let top = max(try newestCounter(actor: id), try have(actor: id))
            if top > 0 { facts.newestHeld[actor] = top }
        }
        for node in Set(named.map(\.node)) {
            // Only epochs with versions held count as confirmed (a `through` alone creates none).
            var newest = 0
            for actor in try actors(of: node) where actor.epoch > newest {
                if let id = try existingActorID(actor), try db.scalarInt("SELECT 1 FROM _rs_version WHERE actor = ? LIMIT 1", id) != nil {
                    newest = actor.epoch
                }
            }
            facts.newestEpoch[node] = newest
        }
        for record in Set(versions.map { PushVerification.RecordKey($0.resource, $0.key) }) {
            guard let (id, scope) = try db.first("SELECT id, scope FROM _rs_record WHERE resource = ? AND key = ?", record.resource, record.key,
                                                 map: { ($0.int64(0), $0.string(1)) }) else { continue }
            facts.scopes[record] = scope
            // Moved out of the child's subtree here: has the child confirmed receiving the move?
            // Confirmed routes are deleted, so a route still queued to it has not been seen.
            if !within.contains(scope), let r = catalogue.resource(record.resource), let group = r.groups.first(where: { $0.fields.contains(r.scope) }) {
                var unseen = false
                try db.forEach("""
                    SELECT \(Self.runColumns) FROM _rs_route t JOIN _rs_version v ON v.id = t.version WHERE t.child = ? AND v.record = ?
                    """, within.node, id) { row in
                    if try self.versions(ofRun: row, resource: record.resource, key: record.key, onlyCurrent: true).contains(where: { $0.version.group == group.name }) {
                        unseen = true
                    }
                }
                if unseen { facts.movesUnseen.insert(record) }
            }
        }
        return facts
    }

    /// Moves the have-vector past counters the sender declares it will never send (versions of
    /// 不予共享 resources), when the declared range starts at or below what is held.
    func advanceHave(_ through: [Actor: (from: Int64, to: Int64)], within: Jurisdiction?) throws {
        for (actor, range) in through where range.to > range.from && (within.map { actor.node.hasPrefix($0.prefix) } ?? true) {
            let id = try actorID(actor)
            let have = try have(actor: id)
            guard have >= range.from, range.to > have else { continue }
            let top = max(range.to, try heldRun(actor: id, from: range.to + 1))
            session?.have[id] = top
            session?.haveMoved.insert(id)
        }
    }

    /// A received version must name a known resource and group and carry values that pass the
    /// catalogue's checks: a node never stores data it cannot validate.
    /// `keysChecked` holds the records whose key already passed in this batch (a record's
    /// versions arrive together: its key is checked once, not once per group).
    func checkRemote(_ v: GroupVersion, keysChecked: inout Set<String>) throws {
        func bad(_ why: String) -> ReplicaError { .badRemoteVersion("\(v.resource) \(v.key) \(v.group) \(v.dot): \(why)") }
        guard let r = catalogue.resource(v.resource) else { throw bad("unknown resource") }
        // The key passes the same check as a key entered here, in its stored (standard) form.
        guard !v.key.isEmpty, v.key.utf8.count <= 256, let keyItem = r.field(r.key) else { throw bad("bad key") }
        let recordKey = v.resource + "\u{0}" + v.key
        if !keysChecked.contains(recordKey) {
            let (normalizedKey, keyIssues) = validator.normalize(keyItem, .string(v.key), in: r)
            if let first = keyIssues.first { throw bad("key: \(first.messageEn)") }
            guard normalizedKey == .string(v.key) else { throw bad("the key is not in its standard form") }
            keysChecked.insert(recordKey)
        }
        guard !v.scope.isEmpty, v.scope.utf8.count <= 12, v.scope.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw bad("scope must be a division code")
        }
        if v.isExistence {
            guard v.values.count == 1, v.values["deleted"]?.boolValue != nil else { throw bad("existence needs {\"deleted\": bool}") }
            return
        }
        guard let g = r.group(v.group) else { throw bad("unknown group") }
        // A group holding the key field states the record's own key, never another's.
        if g.fields.contains(r.key), v.values[r.key] != .string(v.key) { throw bad("\(r.key) differs from the version's key") }
        for (field, value) in v.values {
            guard g.fields.contains(field), let item = r.field(field) else { throw bad("field \(field) is not in group \(g.name)") }
            // The key field holds the version's key, checked above (once per record).
            if field == r.key { continue }
            if g.isTagSet {
                do { _ = try TagElement.decode(value) } catch { throw bad("\(error)") }
                continue
            }
            let (normalized, issues) = validator.normalize(item, value, in: r)
            if let first = issues.first { throw bad("\(field): \(first.messageEn)") }
            if normalized != value { throw bad("\(field) is not in standard form") }
        }
        for field in g.fields where v.values[field] == nil { throw bad("missing field \(field)") }
    }

    /// Versions in change-feed order after position `after`, with the link each came from.
    public func feed(after: Int64, limit: Int) throws -> [(position: Int64, version: GroupVersion, link: String)] {
        try runs("""
            SELECT \(Self.runColumns), r.resource, r.key FROM \(Self.runSource)
            WHERE v.id > ? ORDER BY v.id LIMIT ?
            """, after, limit).flatMap { $0 }
    }

    /// Versions of the runs after `after`, whole runs, until about `limit` versions.
    private func runs(_ sql: String, _ after: Int64, _ limit: Int) throws -> [[(position: Int64, version: GroupVersion, link: String)]] {
        var out: [[(position: Int64, version: GroupVersion, link: String)]] = []
        var count = 0
        try db.forEach(sql, after, limit) { row in
            guard count < limit else { return }
            let run = try versions(ofRun: row).map { (position: $0.row, version: $0.version, link: $0.link) }
            count += run.count
            out.append(run)
        }
        return out
    }
}
