import Catalogue
import Causality
import JSON
import SQLite

extension Replica {
    static let versionColumns = "a.name, v.seq, v.resource, v.key, v.grp, v.hlc, v.vv, v.vals, v.scope"

    static func decodeVersion(_ row: Row, offset o: Int = 0) throws -> GroupVersion {
        guard let actor = Actor(row.string(o)) else { throw CausalityError.malformed("bad actor \(row.string(o))") }
        return GroupVersion(
            resource: row.string(o + 2), key: row.string(o + 3), group: row.string(o + 4),
            dot: Dot(actor: actor, seq: row.int64(o + 1)),
            vector: try VersionVector(json: try JSONParser.parse(row.string(o + 6))),
            hlc: row.int64(o + 5),
            values: try JSONParser.parse(row.string(o + 7)).objectValue ?? JSONObject(),
            scope: row.string(o + 8))
    }

    /// Stores one version (the caller has checked it is new). Returns its change-feed position.
    /// Also advances the have-vector and remembers the version for routing when its record is
    /// refreshed in the same transaction.
    @discardableResult
    func insertVersion(_ v: GroupVersion, link: String, current: Bool) throws -> Int64 {
        if !generationBumped {
            try setMeta("generation", String((Int64(try meta("generation") ?? "0") ?? 0) + 1))
            generationBumped = true
        }
        let actor = try actorID(v.dot.actor)
        try db.run("""
            INSERT INTO _rs_version(actor, seq, resource, key, grp, hlc, vv, vals, scope, link, current)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, actor, v.dot.seq, v.resource, v.key, v.group, v.hlc,
            v.vector.json.text, JSONValue.object(v.values).text, v.scope, link, current)
        let id = db.lastInsertRowID
        let have = Int64(try db.scalarInt("SELECT seq FROM _rs_have WHERE actor = ?", actor) ?? 0)
        if v.dot.seq - 1 == have {  // (no `have + 1`: a damaged have near Int64.max must not trap)
            var top = v.dot.seq
            while try db.scalarInt("SELECT 1 FROM _rs_version WHERE actor = ? AND seq = ?", actor, top + 1) != nil { top += 1 }
            try db.run("INSERT INTO _rs_have(actor, seq) VALUES(?, ?) ON CONFLICT(actor) DO UPDATE SET seq = excluded.seq", actor, top)
        }
        let record = v.resource + "\u{0}" + v.key
        pendingRoutes[record, default: []].append(StoredVersion(id: id, scope: v.scope, link: link))
        pendingDecoded[record, default: [:]][v.dot] = v
        return id
    }

    /// What identifies one stored version of `actor`: the highest counter at or below `seq`
    /// held here, with its record, group and timestamp (two different writes never share all of
    /// them). Nil when none is held.
    public func versionIdentity(_ actor: Actor, atOrBelow seq: Int64) throws -> (seq: Int64, text: String)? {
        try db.all("""
            SELECT v.seq, v.resource || char(0) || v.key || char(0) || v.grp || char(0) || v.hlc
            FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor WHERE a.name = ? AND v.seq <= ? ORDER BY v.seq DESC LIMIT 1
            """, actor.description, seq) { ($0.int64(0), $0.string(1)) }.first
    }

    /// The newest version held here of `node`'s newest epoch: its actor, counter and identity.
    public func newestVersion(of node: String) throws -> (Actor, Int64, String)? {
        guard let actor = try db.all("SELECT name FROM _rs_actor WHERE name LIKE ?", node + ":%", map: { Actor($0.string(0)) })
                .compactMap({ $0 }).filter({ $0.node == node }).max(by: { $0.epoch < $1.epoch }),
              let v = try versionIdentity(actor, atOrBelow: Int64.max) else { return nil }
        return (actor, v.seq, v.text)
    }

    func hasVersion(_ dot: Dot) throws -> Bool {
        try db.scalarInt("""
            SELECT 1 FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor WHERE a.name = ? AND v.seq = ?
            """, dot.actor.description, dot.seq) != nil
    }

    func markSuperseded(_ dots: [Dot]) throws {
        for d in dots {
            try db.run("""
                UPDATE _rs_version SET current = 0
                WHERE seq = ? AND actor = (SELECT id FROM _rs_actor WHERE name = ?)
                """, d.seq, d.actor.description)
        }
    }

    /// Current versions of one group of one record.
    func currentVersions(_ resource: String, _ key: String, group: String) throws -> [GroupVersion] {
        try db.all("""
            SELECT \(Self.versionColumns) FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor
            WHERE v.resource = ? AND v.key = ? AND v.grp = ? AND v.current = 1
            """, resource, key, group) { try Self.decodeVersion($0) }
    }

    /// Current versions of every group of one record. Versions stored in this transaction and
    /// given in `decoded` (by dot) are taken from there instead of decoding their JSON again.
    public func currentVersions(_ resource: String, _ key: String) throws -> [String: [GroupVersion]] {
        try currentVersions(resource, key, decoded: [:])
    }

    func currentVersions(_ resource: String, _ key: String, decoded: [Dot: GroupVersion]) throws -> [String: [GroupVersion]] {
        var out: [String: [GroupVersion]] = [:]
        try db.forEach("""
            SELECT \(Self.versionColumns) FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor
            WHERE v.resource = ? AND v.key = ? AND v.current = 1
            """, resource, key) { row in
            let v: GroupVersion
            if !decoded.isEmpty, let actor = Actor(row.string(0)), let known = decoded[Dot(actor: actor, seq: row.int64(1))] {
                v = known
            } else {
                v = try Self.decodeVersion(row)
            }
            out[v.group, default: []].append(v)
        }
        return out
    }

    /// Every version of a record, current or superseded, in arrival order (history).
    public func allVersions(_ resource: String, _ key: String) throws -> [(version: GroupVersion, current: Bool, link: String)] {
        try db.all("""
            SELECT \(Self.versionColumns), v.current, v.link FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor
            WHERE v.resource = ? AND v.key = ? ORDER BY v.id
            """, resource, key) { (try Self.decodeVersion($0), $0.int(9) == 1, $0.string(10)) }
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
    func knownScope(_ resource: Resource, _ key: String, view: RecordView?, current: [String: [GroupVersion]]) throws -> String {
        if let s = view?.values[resource.scope]?.stringValue, !s.isEmpty { return s }
        if let s = current.values.joined().filter({ !$0.scope.isEmpty }).max(by: { $0.hlc < $1.hlc })?.scope { return s }
        return try db.scalarText("SELECT scope FROM _rs_record WHERE resource = ? AND key = ?", resource.name, key) ?? ""
    }

    /// Recomputes a record from its current versions and writes the visible row (or removes it),
    /// the record's bookkeeping, and the routes of the versions just stored for it. The one place
    /// resource tables are written by rootsync.
    @discardableResult
    func refresh(_ resource: Resource, _ key: String) throws -> RecordView? {
        let record = resource.name + "\u{0}" + key
        let stored = pendingRoutes.removeValue(forKey: record) ?? []
        let current = try currentVersions(resource.name, key, decoded: pendingDecoded.removeValue(forKey: record) ?? [:])
        guard let view = try view(resource, current: current) else { return nil }
        let oldScope = try db.scalarText("SELECT scope FROM _rs_record WHERE resource = ? AND key = ?", resource.name, key)
        let scope = try knownScope(resource, key, view: view, current: current)
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
        try db.run("""
            INSERT INTO _rs_record(resource, key, scope, visible, deleted, conflicts, outside) VALUES(?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(resource, key) DO UPDATE SET scope = excluded.scope, visible = excluded.visible,
                deleted = excluded.deleted, conflicts = excluded.conflicts, outside = excluded.outside
            """, resource.name, key, scope, view.visible, view.deleted, view.conflicts.joined(separator: ","), outside)
        try route(resource, key, stored: stored, oldScope: oldScope, newScope: scope)
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
