import Catalogue
import Foundation
import Causality
import JSON
import SQLite
import Standards

extension Replica {
    /// One visible record, with `_conflict: true` when it has an open conflict; nil when absent or deleted.
    public func get(_ resourceName: String, key rawKey: String) throws -> JSONObject? {
        let r = try resource(resourceName)
        let key = try normalizedKey(r, rawKey)
        var found: JSONObject?
        try list(r, where: "t.\(Database.quote(r.key)) = ?", arguments: [key]) { found = $0 }
        return found
    }

    /// Streams every visible record of a resource in key order (constant memory).
    public func list(_ resourceName: String, _ body: (JSONObject) throws -> Void) throws {
        try list(try resource(resourceName), where: nil, arguments: [], body)
    }

    func list(_ r: Resource, where condition: String?, arguments: [SQLBindable?], _ body: (JSONObject) throws -> Void) throws {
        let q = Database.quote
        let columns = r.fields.map { "t.\(q($0.name))" }.joined(separator: ", ")
        var sql = """
            SELECT \(columns), coalesce(rec.conflicts, '') FROM \(q(r.name)) t
            LEFT JOIN _rs_record rec ON rec.resource = '\(r.name)' AND rec.key = t.\(q(r.key))
            """
        if let condition { sql += " WHERE \(condition)" }
        sql += " ORDER BY t.\(q(r.key))"
        try db.forEach(sql, arguments: arguments) { row in
            var o = JSONObject()
            for (i, f) in r.fields.enumerated() { o.append(f.name, Self.jsonValue(row.value(i), for: f)) }
            if !row.string(r.fields.count).isEmpty { o.append("_conflict", .bool(true)) }
            try body(o)
        }
    }

    /// The key as it is stored (a 15-digit ID becomes 18 digits, lowercase x uppercase).
    func normalizedKey(_ r: Resource, _ raw: String) throws -> String {
        guard let item = r.field(r.key) else { return raw }
        let (value, issues) = validator.normalize(item, .string(raw))
        if !issues.isEmpty { throw ReplicaError.invalid(issues) }
        return value.stringValue ?? raw
    }

    // MARK: Conflicts

    /// Every open conflict, each with all its competing versions.
    public func conflicts() throws -> [Conflict] {
        let records = try db.all("SELECT resource, key, conflicts FROM _rs_record WHERE conflicts <> '' ORDER BY resource, key") {
            ($0.string(0), $0.string(1), $0.string(2).split(separator: ",").map(String.init))
        }
        var out: [Conflict] = []
        for (resourceName, key, groups) in records {
            guard let r = catalogue.resource(resourceName) else { continue }
            let current = try currentVersions(resourceName, key)
            for g in groups {
                out.append(conflict(r, key, group: g, current: current))
            }
        }
        return out
    }

    func conflict(_ r: Resource, _ key: String, group: String, current: [String: [GroupVersion]]) -> Conflict {
        var versions: [GroupVersion]
        let authority: DivisionLevel?
        if group == GroupVersion.existence {
            // The delete(s) and the updates they had not seen.
            let existence = current[GroupVersion.existence] ?? []
            let deletes = existence.filter(\.isDelete)
            let unseen = current.filter { $0.key != GroupVersion.existence }.values.joined()
                .filter { v in !deletes.contains { $0.vector.covers(v.dot) } }
            versions = existence + unseen
            authority = r.existenceAuthority
        } else {
            versions = current[group] ?? []
            authority = r.group(group)?.authority
        }
        versions.sort { Resolution.ranks($0, above: $1, authority: authority) }
        return Conflict(resource: r.name, key: key, group: group, versions: versions)
    }

    /// Resolves a conflict by writing a version that has seen every competing one: either a copy
    /// of one of them (`take`, a dot such as "150603002001:1#7") or new values for the group.
    /// The losing versions stay in the history. The audit entry names `user` (the operating-system
    /// user by default; the web app passes the operator's name).
    public func resolve(_ conflictID: String, take: String?, data: JSONObject?, user: String? = nil) throws {
        guard let (resourceName, key, group) = Conflict.parseID(conflictID) else { throw ReplicaError.unknownConflict(conflictID) }
        let r = try resource(resourceName)
        try writing {
            guard var state = try loadRecord(r, key, create: false) else { throw ReplicaError.unknownConflict(conflictID) }
            let current = state.current
            let open = try db.scalarText("SELECT conflicts FROM _rs_record WHERE id = ?", state.id) ?? ""
            guard open.split(separator: ",").contains(Substring(group)) else { throw ReplicaError.unknownConflict(conflictID) }
            let c = conflict(r, key, group: group, current: current)
            var chosen: JSONObject
            if let take {
                guard let v = c.versions.first(where: { $0.dot.description == take }) else { throw ReplicaError.unknownVersion(take) }
                chosen = v.values
                if group == GroupVersion.existence && !v.isExistence {
                    chosen = JSONObject([("deleted", .bool(false))])
                }
            } else if let data {
                chosen = data
            } else {
                throw ReplicaError.unknownVersion("(none given)")
            }
            let scope = knownScope(state, view: try view(r, current: current))
            if group == GroupVersion.existence {
                let deleted = chosen["deleted"]?.boolValue ?? false
                try writeExistence(&state, deleted: deleted, scope: scope, wallTime: now())
                try refresh(&state)
            } else {
                try writeGroup(&state, group: group, values: chosen, wallTime: now())
            }
            try audit("resolve", detail: "\(conflictID) take=\(take ?? "data")", user: user)
        }
        try writeLease()
    }

    /// Writes one group unconditionally with a vector covering all its current versions.
    func writeGroup(_ state: inout RecordState, group: String, values: JSONObject, wallTime: Int64) throws {
        let r = state.resource, key = state.key, current = state.current
        guard let g = r.group(group) else { throw ReplicaError.unknownConflict("\(r.name)/\(key)/\(group)") }
        var groupValues = JSONObject()
        if g.isTagSet {
            for f in g.fields { groupValues.append(f, values[f] ?? .array([])) }
        } else {
            var patch = JSONObject()
            for (k, v) in values where g.fields.contains(k) { patch[k] = v }
            let (normalized, issues) = validator.normalize(r, patch: patch)
            if !issues.isEmpty { throw ReplicaError.invalid(issues) }
            let winner = Resolution.winner(current[group] ?? [], authority: g.authority)
            for f in g.fields { groupValues.append(f, normalized[f] ?? winner?.values[f] ?? .null) }
            if let scopeValue = groupValues[r.scope]?.stringValue, !node.jurisdiction.contains(scopeValue) {
                throw ReplicaError.outsideJurisdiction(resource: r.name, key: key, scope: scopeValue, jurisdiction: node.code)
            }
        }
        let groupCurrent = current[group] ?? []
        let dot = try nextDot()
        var vector = groupCurrent.reduce(into: VersionVector()) { $0.merge($1.vector) }
        vector.add(dot)
        var scope = groupValues[r.scope]?.stringValue ?? ""
        if scope.isEmpty { scope = knownScope(state, view: try view(r, current: current)) }
        let v = GroupVersion(resource: r.name, key: key, group: group, dot: dot, vector: vector,
                             hlc: try tick(at: wallTime), values: groupValues, scope: scope)
        try markSuperseded(groupCurrent.map(\.dot), in: &state)
        try insertVersion(v, link: "", current: true, into: &state)
        try refresh(&state)
    }

}
