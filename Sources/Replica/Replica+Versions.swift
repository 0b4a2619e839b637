import Catalogue
import Causality
import JSON
import SQLite

extension Replica {
    /// The columns of a run (`_rs_version v`) that `versions(ofRun:)` reads, in this order; with
    /// `runSource` the record's resource and key follow (8, 9); callers' own columns come after.
    static let runColumns = "v.id, v.actor, v.seq, v.n, v.scope, v.link, v.superseded, v.body"
    static let runSource = "_rs_version v JOIN _rs_record r ON r.id = v.record"

    /// One version of a run, decoded, with where it stands.
    struct HeldVersion {
        let version: GroupVersion
        let current: Bool
        let row: Int64
        let index: Int
        let link: String
    }

    /// The versions of the run in `row` (columns `runColumns` at `offset`); with `onlyCurrent`,
    /// superseded ones are skipped without decoding their vectors and values.
    func versions(ofRun row: Row, offset o: Int = 0, resource: String, key: String, onlyCurrent: Bool = false) throws -> [HeldVersion] {
        let id = row.int64(o), seq = row.int64(o + 2), n = row.int(o + 3), superseded = row.int64(o + 6)
        let actor = try self.actor(row: row.int64(o + 1))
        let scope = row.string(o + 4)
        let link = try self.link(row: row.int64(o + 5))
        func isCurrent(_ i: Int) -> Bool { superseded & (1 << Int64(i)) == 0 }
        let decoded = try row.withBlob(o + 7) { bytes in
            try StorageCodec.decodeRun(bytes, count: n, actor: self.actor(row:), including: { !onlyCurrent || isCurrent($0) })
        }
        return try decoded.map { e in
            HeldVersion(version: GroupVersion(resource: resource, key: key, group: try name(row: e.group), dot: Dot(actor: actor, seq: seq + Int64(e.index)),
                                              vector: e.vector, hlc: e.hlc, values: e.values, scope: scope),
                        current: isCurrent(e.index), row: id, index: e.index, link: link)
        }
    }

    /// The versions of a run read with `runSource` (resource and key from the record).
    func versions(ofRun row: Row, onlyCurrent: Bool = false) throws -> [HeldVersion] {
        try versions(ofRun: row, resource: row.string(8), key: row.string(9), onlyCurrent: onlyCurrent)
    }

    /// Takes a new version of the record `state` holds (the caller has checked it is new). It is
    /// written with the record's other new versions, one row per run, when the record is
    /// refreshed; the have-vector moves now (in the session).
    func insertVersion(_ v: GroupVersion, link: String, current: Bool, into state: inout RecordState) throws {
        guard session != nil else { preconditionFailure("insertVersion outside a write") }
        session!.generationMoved = true
        let actor = try actorID(v.dot.actor)
        if actor != session!.actorRow { session!.received[actor, default: []].insert(v.dot.seq) }
        try advanceHave(actor: actor, storing: v.dot.seq)
        state.pending.append((v, link, current))
        if current { state.current[v.group, default: []].append(v) }
    }

    /// Writes the versions pending in `state` as runs: consecutive counters of one actor, from one
    /// link, with one scope, share a row (a write of four groups is one row, not four).
    func storePending(_ state: inout RecordState) throws {
        guard !state.pending.isEmpty else { return }
        let pending = state.pending
        state.pending = []
        // Every field is read in place through the buffer: copying the pending entries out (each
        // a version with its strings, vector and values) was a third of storing a run.
        try pending.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                var j = i + 1
                let actor = p[i].version.dot.actor
                while j < p.count, j - i < StorageCodec.maxRun, p[j].version.dot.actor == actor,
                      p[j].version.dot.seq == p[j - 1].version.dot.seq + 1, p[j].link == p[i].link,
                      p[j].version.scope == p[i].version.scope { j += 1 }
                var body: [UInt8] = []
                body.reserveCapacity(96 * (j - i))
                var superseded: Int64 = 0
                for k in i..<j {
                    StorageCodec.appendEntry(group: try nameID(p[k].version.group), hlc: p[k].version.hlc,
                                             vector: try StorageCodec.encode(p[k].version.vector, actorRow: actorID),
                                             values: StorageCodec.encode(p[k].version.values), to: &body)
                    if !p[k].current { superseded |= 1 << Int64(k - i) }
                }
                try db.run(try writeStatements().insertRun,
                           values: [.integer(try actorID(actor)), .integer(p[i].version.dot.seq), .integer(Int64(j - i)), .integer(state.id),
                                    .text(p[i].version.scope), .integer(try linkID(p[i].link)), .integer(superseded), .blob(body)])
                let row = db.lastInsertRowID
                for k in i..<j where p[k].current { state.rows[p[k].version.dot] = (row, k - i) }
                state.stored.append(StoredVersion(id: row, scope: p[i].version.scope, link: p[i].link))
                i = j
            }
        }
    }

    /// The have-vector entry of `actor` (read once per transaction, then kept in the session).
    func have(actor row: Int64) throws -> Int64 {
        if let h = session?.have[row] { return h }
        let h = Int64(try db.scalarInt("SELECT seq FROM _rs_have WHERE actor = ?", row) ?? 0)
        session?.have[row] = h
        return h
    }

    /// The highest counter of `actor` held from `seq` on without a gap (`seq - 1` when `seq`
    /// itself is not held), looking at the file and at what this transaction received.
    func heldRun(actor row: Int64, from seq: Int64) throws -> Int64 {
        var top = seq - 1
        // (This node's own versions are not in `received`: for them the file is always asked.)
        let fileNewest = row == session?.actorRow ? nil : try newestInFile(actor: row)
        while true {
            if session?.received[row]?.contains(top + 1) == true { top += 1; continue }
            if let fileNewest, top + 1 > fileNewest { return top }
            guard let run = try run(actor: row, holding: top + 1) else { return top }
            top = run.last
        }
    }

    /// Moves the have-vector past `seq` when it closes the gap above it, and past whatever was
    /// already held beyond (versions that arrived out of order).
    func advanceHave(actor row: Int64, storing seq: Int64) throws {
        let have = try have(actor: row)
        guard seq - 1 == have else { return }  // (no `have + 1`: a damaged have near Int64.max must not trap)
        // This node's own counter is the highest of its actor: nothing can be held above it.
        let top = row == session?.actorRow ? seq : try heldRun(actor: row, from: seq + 1)
        session?.have[row] = max(top, seq)
        session?.haveMoved.insert(row)
    }

    /// The run holding `seq` of actor row `actor`, if any: its row id, first and last counter,
    /// and the link it came from (the run starting at or below `seq`, one index descent).
    func run(actor: Int64, holding seq: Int64) throws -> (row: Int64, first: Int64, last: Int64, link: Int64)? {
        guard let run = try db.first("SELECT id, seq, seq + n - 1, link FROM _rs_version WHERE actor = ? AND seq <= ? ORDER BY seq DESC LIMIT 1",
                                     actor, seq, map: { (row: $0.int64(0), first: $0.int64(1), last: $0.int64(2), link: $0.int64(3)) }),
              run.last >= seq else { return nil }
        return run
    }

    /// `newestCounter` as the file held it when this transaction first asked (kept in the session).
    private func newestInFile(actor row: Int64) throws -> Int64? {
        guard session != nil else { return nil }
        if let n = session!.fileNewest[row] { return n }
        let n = try newestCounter(actor: row)
        session!.fileNewest[row] = n
        return n
    }

    /// The highest counter of `actor` held here (0 when none).
    func newestCounter(actor row: Int64) throws -> Int64 {
        try db.first("SELECT seq + n - 1 FROM _rs_version WHERE actor = ? ORDER BY seq DESC LIMIT 1", row) { $0.int64(0) } ?? 0
    }

    /// What identifies one stored version of `actor`: the highest counter at or below `seq`
    /// held here, with its record, group and timestamp (two different writes never share all of
    /// them). Nil when none is held.
    public func versionIdentity(_ actor: Actor, atOrBelow seq: Int64) throws -> (seq: Int64, text: String)? {
        guard let row = try existingActorID(actor) else { return nil }
        return try db.first("""
            SELECT \(Self.runColumns), r.resource, r.key FROM \(Self.runSource)
            WHERE v.actor = ? AND v.seq <= ? ORDER BY v.seq DESC LIMIT 1
            """, row, seq) { row in
            let versions = try versions(ofRun: row)
            let v = versions.last { $0.version.dot.seq <= seq }!.version
            return (v.dot.seq, v.resource + "\u{0}" + v.key + "\u{0}" + v.group + "\u{0}" + String(v.hlc))
        }
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

    /// Marks versions of `state`'s record as no longer current (another version covers them).
    func markSuperseded(_ dots: [Dot], in state: inout RecordState) throws {
        guard !dots.isEmpty else { return }
        let gone = Set(dots)
        for d in dots {
            if let (row, index) = state.rows.removeValue(forKey: d) {
                try db.run("UPDATE _rs_version SET superseded = superseded | ? WHERE id = ?", Int64(1) << Int64(index), row)
            } else if let k = state.pending.firstIndex(where: { $0.version.dot == d }) {
                state.pending[k].current = false
            }
        }
        for (g, versions) in state.current where versions.contains(where: { gone.contains($0.dot) }) {
            let kept = versions.filter { !gone.contains($0.dot) }
            state.current[g] = kept.isEmpty ? nil : kept
        }
    }

    /// The record `key` of `r` as stored: its row id (a new one for a record new here) and its
    /// current versions, read in one pass over the record's runs.
    func loadRecord(_ r: Resource, _ key: String) throws -> RecordState {
        try loadRecord(r, key, create: true)!
    }

    func loadRecord(_ r: Resource, _ key: String, create: Bool) throws -> RecordState? {
        if let (id, scope, purged) = try db.first(try writeStatements().findRecord, values: [.text(r.name), .text(key)],
                                                  map: { ($0.int64(0), $0.string(1), $0.int64(2) == 1) }) {
            let (current, rows) = try currentVersions(record: id, r.name, key)
            var state = RecordState(resource: r, key: key, id: id, isStored: true, storedScope: scope, current: current, rows: rows)
            if purged { state.purged = try purgedCover(record: id) }
            return state
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
        return try currentVersions(record: id, resource, key).current
    }

    /// The current versions of record row `id`, by group, and where each lives (runs with every
    /// version superseded are not read).
    private func currentVersions(record id: Int64, _ resource: String, _ key: String) throws
        -> (current: [String: [GroupVersion]], rows: [Dot: (row: Int64, index: Int)]) {
        var current: [String: [GroupVersion]] = [:]
        var rows: [Dot: (row: Int64, index: Int)] = [:]
        try db.forEach("SELECT \(Self.runColumns) FROM _rs_version v WHERE v.record = ? AND v.superseded <> (1 << v.n) - 1", id) { row in
            for h in try versions(ofRun: row, resource: resource, key: key, onlyCurrent: true) {
                current[h.version.group, default: []].append(h.version)
                rows[h.version.dot] = (h.row, h.index)
            }
        }
        return (current, rows)
    }

    /// Every version held of a record named by a key as a person types it (a 15-digit ID finds
    /// the record stored under 18 digits); nil when the record was never held here.
    public func heldVersions(_ resourceName: String, key rawKey: String) throws -> [(version: GroupVersion, current: Bool, link: String)]? {
        let r = try resource(resourceName)
        let all = try allVersions(r.name, try normalizedKey(r, rawKey))
        return all.isEmpty ? nil : all
    }

    /// Every version of a record, current or superseded, in arrival order (history).
    public func allVersions(_ resource: String, _ key: String) throws -> [(version: GroupVersion, current: Bool, link: String)] {
        guard let id = try recordID(resource, key) else { return [] }
        var out: [(version: GroupVersion, current: Bool, link: String)] = []
        try db.forEach("SELECT \(Self.runColumns) FROM _rs_version v WHERE v.record = ? ORDER BY v.id", id) { row in
            for h in try versions(ofRun: row, resource: resource, key: key) { out.append((h.version, h.current, h.link)) }
        }
        return out
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

    /// Writes the record `state` holds: its new versions (as runs), the visible row (or removes
    /// it), the record's bookkeeping, and the routes of the runs just stored. The one place
    /// resource tables are written by rootsync.
    @discardableResult
    func refresh(_ state: inout RecordState) throws -> RecordView? {
        try storePending(&state)
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
                let cells: [SQLValue] = resource.fields.map { f in
                    f.name == resource.key ? SQLValue.text(key) : Self.sqlValue(view.values[f.name] ?? .null, for: f)
                }
                if cells != state.tableRow { try db.run(try rowStatements(resource).upsert, values: cells) }
            } else {
                try db.run(try rowStatements(resource).delete, values: [.text(key)])
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

    /// The statements that write a resource's visible rows, prepared once per resource and
    /// catalogue (the write path runs them by handle, not by looking their text up).
    func rowStatements(_ resource: Resource) throws -> (upsert: Statement, delete: Statement) {
        if let cached = rowStatements[resource.name] { return cached }
        let q = Database.quote
        let names = resource.fields.map(\.name)
        let upsert = "INSERT INTO \(q(resource.name))(\(names.map(q).joined(separator: ", "))) VALUES(\(names.map { _ in "?" }.joined(separator: ", "))) ON CONFLICT(\(q(resource.key))) DO UPDATE SET "
            + names.filter { $0 != resource.key }.map { "\(q($0)) = excluded.\(q($0))" }.joined(separator: ", ")
        let delete = "DELETE FROM \(q(resource.name)) WHERE \(q(resource.key)) = ?"
        let prepared = (try db.statement(upsert), try db.statement(delete))
        rowStatements[resource.name] = prepared
        return prepared
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
