import Catalogue
import Causality
import JSON
import SQLite

extension Replica {
    /// The columns `decodeVersion` reads, from `_rs_version v JOIN _rs_record r ON r.id = v.record`
    /// (callers' own columns follow, from position 9).
    static let versionColumns = "v.actor, v.seq, r.resource, r.key, v.grp, v.hlc, v.vv, v.vals, v.scope"
    static let versionSource = "_rs_version v JOIN _rs_record r ON r.id = v.record"

    /// One stored version, from a row of `versionColumns` (at `offset`).
    func decodeVersion(_ row: Row, offset o: Int = 0) throws -> GroupVersion {
        try decodeVersion(row, resource: row.string(o + 2), key: row.string(o + 3), actor: o, seq: o + 1, group: o + 4,
                          hlc: o + 5, vector: o + 6, values: o + 7, scope: o + 8)
    }

    func decodeVersion(_ row: Row, resource: String, key: String, actor: Int, seq: Int, group: Int,
                       hlc: Int, vector: Int, values: Int, scope: Int) throws -> GroupVersion {
        let vv = try row.withBlob(vector) { try StorageCodec.decodeVector($0, actor: self.actor(row:)) }
        let vals = try row.withBlob(values) { try StorageCodec.decodeValues($0) }
        return GroupVersion(resource: resource, key: key, group: try name(row: row.int64(group)),
                            dot: Dot(actor: try self.actor(row: row.int64(actor)), seq: row.int64(seq)),
                            vector: vv, hlc: row.int64(hlc), values: vals, scope: row.string(scope))
    }

    /// Stores one new version of the record `state` holds (the caller has checked it is new):
    /// one row, its two index entries, and the have-vector in memory. Returns its change-feed
    /// position; its routes are decided when the record is refreshed.
    @discardableResult
    func insertVersion(_ v: GroupVersion, link: String, current: Bool, into state: inout RecordState) throws -> Int64 {
        guard session != nil else { preconditionFailure("insertVersion outside a write") }
        session!.generationMoved = true
        let actor = try actorID(v.dot.actor)
        let vv = try StorageCodec.encode(v.vector, actorRow: actorID)
        try db.run("""
            INSERT INTO _rs_version(actor, seq, record, grp, hlc, scope, link, current, vv, vals)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, actor, v.dot.seq, state.id, try nameID(v.group), v.hlc, v.scope, try linkID(link), current,
            vv, StorageCodec.encode(v.values))
        let id = db.lastInsertRowID
        try advanceHave(actor: actor, storing: v.dot.seq)
        if current {
            state.current[v.group, default: []].append(v)
            state.rows[v.dot] = id
        }
        state.stored.append(StoredVersion(id: id, scope: v.scope, link: link))
        return id
    }

    /// The have-vector entry of `actor` (read once per transaction, then kept in the session).
    func have(actor row: Int64) throws -> Int64 {
        if let h = session?.have[row] { return h }
        let h = Int64(try db.scalarInt("SELECT seq FROM _rs_have WHERE actor = ?", row) ?? 0)
        session?.have[row] = h
        return h
    }

    /// Moves the have-vector past `seq` when it closes the gap above it, and past whatever was
    /// already held beyond (versions that arrived out of order).
    func advanceHave(actor row: Int64, storing seq: Int64) throws {
        let have = try have(actor: row)
        guard seq - 1 == have else { return }  // (no `have + 1`: a damaged have near Int64.max must not trap)
        var top = seq
        // This node's own counter is the highest of its actor: nothing can be held above it.
        if row != session?.actorRow {
            while try db.scalarInt("SELECT 1 FROM _rs_version WHERE actor = ? AND seq = ?", row, top + 1) != nil { top += 1 }
        }
        session?.have[row] = top
        session?.haveMoved.insert(row)
    }

    /// The row id of an actor if this replica ever heard of it (never creates one).
    func existingActorID(_ actor: Actor) throws -> Int64? {
        if let id = actorRows[actor] { return id }
        guard let found = try db.scalarInt("SELECT id FROM _rs_actor WHERE name = ?", actor.description) else { return nil }
        actorRows[actor] = Int64(found)
        actorsByRow[Int64(found)] = actor
        return Int64(found)
    }

    /// What identifies one stored version of `actor`: the highest counter at or below `seq`
    /// held here, with its record, group and timestamp (two different writes never share all of
    /// them). Nil when none is held.
    public func versionIdentity(_ actor: Actor, atOrBelow seq: Int64) throws -> (seq: Int64, text: String)? {
        guard let row = try existingActorID(actor) else { return nil }
        return try db.all("""
            SELECT v.seq, r.resource || char(0) || r.key || char(0) || g.name || char(0) || v.hlc
            FROM _rs_version v JOIN _rs_record r ON r.id = v.record JOIN _rs_name g ON g.id = v.grp
            WHERE v.actor = ? AND v.seq <= ? ORDER BY v.seq DESC LIMIT 1
            """, row, seq) { ($0.int64(0), $0.string(1)) }.first
    }

    /// The newest version held here of `node`'s newest epoch: its actor, counter and identity.
    public func newestVersion(of node: String) throws -> (Actor, Int64, String)? {
        guard let actor = try actors(of: node).max(by: { $0.epoch < $1.epoch }),
              let v = try versionIdentity(actor, atOrBelow: Int64.max) else { return nil }
        return (actor, v.seq, v.text)
    }

    /// Every actor (epoch) of `node` this replica has heard of.
    func actors(of node: String) throws -> [Actor] {
        try db.all("SELECT name FROM _rs_actor WHERE name LIKE ?", node + ":%", map: { Actor($0.string(0)) })
            .compactMap { $0 }.filter { $0.node == node }
    }

    func hasVersion(_ dot: Dot) throws -> Bool {
        guard let row = try existingActorID(dot.actor) else { return false }
        return try db.scalarInt("SELECT 1 FROM _rs_version WHERE actor = ? AND seq = ?", row, dot.seq) != nil
    }

    /// Marks versions of `state`'s record as no longer current (another version covers them).
    func markSuperseded(_ dots: [Dot], in state: inout RecordState) throws {
        guard !dots.isEmpty else { return }
        let gone = Set(dots)
        for d in dots {
            guard let id = state.rows.removeValue(forKey: d) else { continue }
            try db.run("UPDATE _rs_version SET current = 0 WHERE id = ?", id)
        }
        for (g, versions) in state.current where versions.contains(where: { gone.contains($0.dot) }) {
            let kept = versions.filter { !gone.contains($0.dot) }
            state.current[g] = kept.isEmpty ? nil : kept
        }
    }

    /// The record `key` of `r` as stored: its row id (created, hidden, on first sight) and its
    /// current versions, read in one pass over the record's versions.
    func loadRecord(_ r: Resource, _ key: String) throws -> RecordState {
        try loadRecord(r, key, create: true)!
    }

    func loadRecord(_ r: Resource, _ key: String, create: Bool) throws -> RecordState? {
        if let (id, scope) = try db.first("SELECT id, scope FROM _rs_record WHERE resource = ? AND key = ?", r.name, key, map: { ($0.int64(0), $0.string(1)) }) {
            var current: [String: [GroupVersion]] = [:]
            var rows: [Dot: Int64] = [:]
            try db.forEach("""
                SELECT v.actor, v.seq, v.grp, v.hlc, v.vv, v.vals, v.scope, v.id FROM _rs_version v
                WHERE v.record = ? AND v.current = 1
                """, id) { row in
                let v = try decodeVersion(row, resource: r.name, key: key, actor: 0, seq: 1, group: 2, hlc: 3, vector: 4, values: 5, scope: 6)
                current[v.group, default: []].append(v)
                rows[v.dot] = row.int64(7)
            }
            return RecordState(resource: r, key: key, id: id, isStored: true, storedScope: scope, current: current, rows: rows)
        }
        guard create else { return nil }
        guard session != nil else { preconditionFailure("a new record outside a write") }
        if session!.nextRecordID == nil {
            session!.nextRecordID = Int64(try db.scalarInt("SELECT max(id) FROM _rs_record") ?? 0) + 1
        }
        let id = session!.nextRecordID!
        session!.nextRecordID = id + 1
        return RecordState(resource: r, key: key, id: id, isStored: false, storedScope: nil, current: [:], rows: [:])
    }

    /// The record's row id, when it was ever held.
    func recordID(_ resource: String, _ key: String) throws -> Int64? {
        try db.first("SELECT id FROM _rs_record WHERE resource = ? AND key = ?", resource, key) { $0.int64(0) }
    }

    /// Current versions of every group of one record.
    public func currentVersions(_ resource: String, _ key: String) throws -> [String: [GroupVersion]] {
        guard let id = try recordID(resource, key) else { return [:] }
        var out: [String: [GroupVersion]] = [:]
        try db.forEach("""
            SELECT v.actor, v.seq, v.grp, v.hlc, v.vv, v.vals, v.scope FROM _rs_version v WHERE v.record = ? AND v.current = 1
            """, id) { row in
            let v = try decodeVersion(row, resource: resource, key: key, actor: 0, seq: 1, group: 2, hlc: 3, vector: 4, values: 5, scope: 6)
            out[v.group, default: []].append(v)
        }
        return out
    }

    /// Every version of a record, current or superseded, in arrival order (history).
    public func allVersions(_ resource: String, _ key: String) throws -> [(version: GroupVersion, current: Bool, link: String)] {
        guard let id = try recordID(resource, key) else { return [] }
        return try db.all("""
            SELECT v.actor, v.seq, v.grp, v.hlc, v.vv, v.vals, v.scope, v.current, v.link FROM _rs_version v
            WHERE v.record = ? ORDER BY v.id
            """, id) { row in
            (try decodeVersion(row, resource: resource, key: key, actor: 0, seq: 1, group: 2, hlc: 3, vector: 4, values: 5, scope: 6),
             row.int(7) == 1, try link(row: row.int64(8)))
        }
    }

    /// The record as its current versions say it is.
    public func view(_ resource: Resource, _ key: String) throws -> RecordView? {
        try view(resource, current: try currentVersions(resource.name, key))
    }

    /// The record as the given current versions say it is (nil when there are none).
    func view(_ resource: Resource, current: [String: [GroupVersion]]) throws -> RecordView? {
        if current.isEmpty { return nil }
        return try RecordView.resolve(current: current, policies: policies[resource.name] ?? [:],
                                      existenceAuthority: resource.existenceAuthority)
    }

    /// The record's scope as best known: the visible value, else the newest version that carried
    /// one, else the bookkeeping row. Every version must carry a scope or it could not be routed.
    func knownScope(_ state: RecordState, view: RecordView?) -> String {
        if let s = view?.values[state.resource.scope]?.stringValue, !s.isEmpty { return s }
        if let s = state.current.values.joined().filter({ !$0.scope.isEmpty }).max(by: { $0.hlc < $1.hlc })?.scope { return s }
        return state.storedScope ?? ""
    }

    /// Recomputes a record from its current versions (read again from the file).
    @discardableResult
    func refresh(_ resource: Resource, _ key: String) throws -> RecordView? {
        guard var state = try loadRecord(resource, key, create: false) else { return nil }
        return try refresh(&state)
    }

    /// Writes the record `state` holds: the visible row (or removes it), the record's
    /// bookkeeping, and the routes of the versions just stored for it. The one place resource
    /// tables are written by rootsync.
    @discardableResult
    func refresh(_ state: inout RecordState) throws -> RecordView? {
        let resource = state.resource, key = state.key
        let stored = state.stored
        state.stored = []
        guard let view = try view(resource, current: state.current) else { return nil }
        let scope = knownScope(state, view: view)
        // A record whose scope left this node's subtree (a resident moved away) is no longer shown
        // here; its versions stay until the parent is known to hold them.
        let outside = !node.jurisdiction.contains(scope) && resource.share != .unconditional
        // A record whose required fields have not all arrived (only its existence version, say)
        // gets no row: the resource table never holds a record that could not pass validation.
        let complete = resource.fields.allSatisfy { !$0.required || $0.name == resource.key || (view.values[$0.name] ?? .null) != .null }
        try guarded {
            if view.visible && !outside && complete {
                let args: [SQLBindable?] = resource.fields.map { f in
                    f.name == resource.key ? SQLValue.text(key) : Self.sqlValue(view.values[f.name] ?? .null, for: f)
                }
                try db.run(rowSQL(resource).upsert, arguments: args)
            } else {
                try db.run(rowSQL(resource).delete, key)
            }
        }
        if state.isStored {
            try db.run("UPDATE _rs_record SET scope = ?, visible = ?, deleted = ?, conflicts = ?, outside = ? WHERE id = ?",
                       scope, view.visible, view.deleted, view.conflicts.joined(separator: ","), outside, state.id)
        } else {
            try db.run("INSERT INTO _rs_record(id, resource, key, scope, visible, deleted, conflicts, outside) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                       state.id, resource.name, key, scope, view.visible, view.deleted, view.conflicts.joined(separator: ","), outside)
            state.isStored = true
        }
        try route(state, stored: stored, newScope: scope)
        return view
    }

    /// The statements that write a resource's visible rows, built once per resource.
    func rowSQL(_ resource: Resource) -> (upsert: String, delete: String) {
        if let cached = rowStatements[resource.name] { return cached }
        let q = Database.quote
        let names = resource.fields.map(\.name)
        let upsert = "INSERT INTO \(q(resource.name))(\(names.map(q).joined(separator: ", "))) VALUES(\(names.map { _ in "?" }.joined(separator: ", "))) ON CONFLICT(\(q(resource.key))) DO UPDATE SET "
            + names.filter { $0 != resource.key }.map { "\(q($0)) = excluded.\(q($0))" }.joined(separator: ", ")
        let delete = "DELETE FROM \(q(resource.name)) WHERE \(q(resource.key)) = ?"
        rowStatements[resource.name] = (upsert, delete)
        return (upsert, delete)
    }

    static func sqlValue(_ value: JSONValue, for field: DataItem) -> SQLValue {
        switch value {
        case .null: return .null
        case .string(let s): return .text(s)
        case .number(let n):
            if let i = Int64(n) { return .integer(i) }
            return Double(n).map { .real($0) } ?? .text(n)
        case .bool(let b): return .integer(b ? 1 : 0)
        case .array, .object: return .text(value.text)
        }
    }

    /// Reads a table cell back as JSON: numbers stay numbers, tag columns become arrays.
    static func jsonValue(_ value: SQLValue, for field: DataItem) -> JSONValue {
        switch value {
        case .null: return .null
        case .integer(let i): return field.sqlType == "TEXT" ? .string(String(i)) : .number(String(i))
        case .real(let d):
            if field.sqlType == "TEXT" { return .string(String(d)) }
            return .number(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
        case .text(let s):
            if field.kind == .tags, let parsed = try? JSONParser.parse(s), case .array = parsed { return parsed }
            return .string(s)
        case .blob(let b): return .string(String(decoding: b, as: UTF8.self))
        }
    }
}
