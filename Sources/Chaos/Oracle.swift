// The oracle: every write the harness made and rootsync accepted, with the exact versions it
// produced (read from the writer's replica right after the write), and an independent
// re-implementation of the documented merge rules (docs/DATA-MODEL.md) to say what every node
// must show once the network is quiet. It deliberately does not use the Causality module: it
// reads stored versions only through `VersionFile`, which hands them over as the wire's JSON text.
import Foundation
import JSON
import Replica
import SQLite
import TestSupport
import Standards

/// One version as stored: a dot, its vector, timestamp, values and scope.
struct StoredVersion: Equatable {
    let key: String
    let group: String
    let actor: String
    let seq: Int64
    let hlc: Int64
    let vv: [String: Int64]
    let values: String          // the stored JSON text of the group's values
    let scope: String

    var dot: String { "\(actor)#\(seq)" }
    /// True when `other` (another version) had seen this one.
    func isCovered(by other: StoredVersion) -> Bool { other.dot != dot && (other.vv[actor] ?? 0) >= seq }
    var isDelete: Bool { group == "_exists" && ((try? JSONParser.parse(values))?["deleted"]?.boolValue ?? false) }
    /// Same content (everything but the arrival bookkeeping).
    func sameContent(_ o: StoredVersion) -> Bool {
        key == o.key && group == o.group && hlc == o.hlc && vv == o.vv && values == o.values && scope == o.scope
    }

    /// The person versions of a replica file matching `condition` (see `VersionFile.rows`), in feed order.
    static func all(_ db: Database, where condition: String = "1", _ arguments: SQLBindable?...,
                    body: (StoredVersion, VersionFile.Row) throws -> Void) throws {
        try VersionFile(db).forEach(where: "r.resource = 'person' AND (\(condition))", arguments: arguments) { row in
            try body(try decode(row), row)
        }
    }

    static func decode(_ row: VersionFile.Row) throws -> StoredVersion {
        var vv: [String: Int64] = [:]
        if let o = try JSONParser.parse(row.vv).objectValue {
            for (k, v) in o { vv[k] = v.int64Value ?? 0 }
        }
        return StoredVersion(key: row.key, group: row.group, actor: row.actor, seq: row.seq,
                             hlc: row.hlc, vv: vv, values: row.values, scope: row.scope)
    }
}

/// The person catalogue as the documentation states it: groups, their fields and authority.
enum PersonCatalogue {
    static let groups: [(name: String, fields: [String], authority: String?)] = [
        ("identity", ["id_number", "name", "sex", "ethnicity", "birth_date"], "city"),
        ("household", ["household_address", "relation_to_head"], "city"),
        ("residence", ["residence_address", "community_code"], "community"),
        ("contact", ["phone"], "community"),
        ("status", ["marital_status", "political_status"], "community"),
        ("tags", ["tags"], nil),
    ]
    static let existenceAuthority = "community"
    static var fields: [String] { groups.flatMap(\.fields) }

    static func level(ofActor actor: String) -> String {
        let node = actor.split(separator: ":").first.map(String.init) ?? actor
        return DivisionCode.level(ofShape: node)?.rawValue ?? "district"
    }
}

/// What a record must look like everywhere, from its versions alone.
struct ExpectedRecord: Equatable {
    var visible: Bool
    var deleted: Bool
    var conflicts: [String]                 // sorted group names
    var values: [String: String?]           // field → visible value (tags: sorted, joined by "|")
    var current: Set<String>                // dots of the current versions
}

enum MergeRules {
    static func currentSet(_ versions: [StoredVersion]) -> [StoredVersion] {
        versions.filter { v in !versions.contains { v.isCovered(by: $0) } }
    }

    static func ranksAbove(_ a: StoredVersion, _ b: StoredVersion, authority: String?) -> Bool {
        let ra = authority != nil && PersonCatalogue.level(ofActor: a.actor) == authority
        let rb = authority != nil && PersonCatalogue.level(ofActor: b.actor) == authority
        if ra != rb { return ra }
        if a.hlc != b.hlc { return a.hlc > b.hlc }
        return dotGreater(a, b)
    }

    /// Dots order by actor (node code, then epoch as a number), then counter.
    static func dotGreater(_ a: StoredVersion, _ b: StoredVersion) -> Bool {
        func split(_ actor: String) -> (String, Int) {
            let parts = actor.split(separator: ":")
            return (String(parts.first ?? ""), Int(parts.last ?? "0") ?? 0)
        }
        let (an, ae) = split(a.actor), (bn, be) = split(b.actor)
        if an != bn { return an > bn }
        if ae != be { return ae > be }
        return a.seq > b.seq
    }

    static func winner(_ current: [StoredVersion], authority: String?) -> StoredVersion? {
        var best: StoredVersion?
        for v in current where best == nil || ranksAbove(v, best!, authority: authority) { best = v }
        return best
    }

    /// Tag elements [tag, actor, seq] of one version.
    static func tagElements(_ v: StoredVersion) -> Set<String> {
        guard let a = (try? JSONParser.parse(v.values))?["tags"]?.arrayValue else { return [] }
        return Set(a.compactMap { e -> String? in
            guard let t = e.arrayValue, t.count == 3, let tag = t[0].stringValue, let actor = t[1].stringValue,
                  let seq = t[2].int64Value else { return nil }
            return "\(tag)\u{1}\(actor)\u{1}\(seq)"
        })
    }

    /// Add-wins: an element survives when every current version holds it or had not seen its dot.
    static func mergedTags(_ current: [StoredVersion]) -> [String] {
        let sets = current.map { ($0, tagElements($0)) }
        var out = Set<String>()
        for (_, elements) in sets {
            for e in elements {
                let parts = e.split(separator: "\u{1}").map(String.init)
                let actor = parts[1], seq = Int64(parts[2]) ?? 0
                if sets.allSatisfy({ $0.1.contains(e) || ($0.0.vv[actor] ?? 0) < seq }) { out.insert(parts[0]) }
            }
        }
        return out.sorted()
    }

    static func expected(_ versions: [StoredVersion]) -> ExpectedRecord {
        var byGroup: [String: [StoredVersion]] = [:]
        for v in versions { byGroup[v.group, default: []].append(v) }
        var current: [String: [StoredVersion]] = [:]
        for (g, vs) in byGroup { current[g] = currentSet(vs) }
        var r = ExpectedRecord(visible: true, deleted: false, conflicts: [], values: [:], current: [])
        for vs in current.values { for v in vs { r.current.insert(v.dot) } }
        let existence = current["_exists"] ?? []
        if existence.isEmpty { r.visible = false }
        if let win = winner(existence, authority: PersonCatalogue.existenceAuthority) {
            r.deleted = win.isDelete
            if Set(existence.map(\.isDelete)).count > 1 { r.conflicts.append("_exists") }
        }
        for g in PersonCatalogue.groups {
            let vs = current[g.name] ?? []
            guard !vs.isEmpty else { continue }
            if g.authority == nil && g.name == "tags" {
                r.values["tags"] = mergedTags(vs).joined(separator: "|")
                continue
            }
            let win = winner(vs, authority: g.authority)!
            let o = (try? JSONParser.parse(win.values))?.objectValue
            for f in g.fields { r.values[f] = o?[f]?.stringValue }
            if vs.count > 1 && Set(vs.map(\.values)).count > 1 { r.conflicts.append(g.name) }
        }
        if r.deleted && !r.conflicts.contains("_exists") {
            let deletes = existence.filter(\.isDelete)
            let concurrentUpdate = current.contains { g, vs in
                g != "_exists" && vs.contains { v in !deletes.contains { ($0.vv[v.actor] ?? 0) >= v.seq } }
            }
            if concurrentUpdate { r.conflicts.append("_exists") } else { r.visible = false }
        }
        r.conflicts.sort()
        return r
    }
}

/// Everything one node holds about person records, read straight from its SQLite file.
struct NodeState {
    var versions: [String: StoredVersion] = [:]       // dot → version
    var currentDots: Set<String> = []
    var localDots: Set<String> = []                   // written at this node (link '')
    var records: [String: (scope: String, visible: Bool, deleted: Bool, conflicts: [String])] = [:]
    var rows: [String: [String: String?]] = [:]       // key → field → value (tags joined by "|")
    var epoch: Int = 0
    var outsideScopes: [String] = []                  // anything held outside the node's subtree

    static func read(_ db: Database, node: HierarchyNode) throws -> NodeState {
        var s = NodeState()
        try StoredVersion.all(db) { v, row in
            s.versions[v.dot] = v
            if row.current { s.currentDots.insert(v.dot) }
            if row.link.isEmpty { s.localDots.insert(v.dot) }
            if !node.holds(scope: v.scope) { s.outsideScopes.append("version \(v.dot) of \(v.key) has scope \(v.scope)") }
        }
        try db.forEach("SELECT key, scope, visible, deleted, conflicts FROM _rs_record WHERE resource = 'person'") { row in
            let conflicts = row.string(4).split(separator: ",").map(String.init).sorted()
            s.records[row.string(0)] = (row.string(1), row.int(2) != 0, row.int(3) != 0, conflicts)
            if row.int(2) != 0 && !node.holds(scope: row.string(1)) {
                s.outsideScopes.append("record \(row.string(0)) visible with scope \(row.string(1))")
            }
        }
        let fields = PersonCatalogue.fields
        try db.forEach("SELECT \(fields.map { Database.quote($0) }.joined(separator: ", ")) FROM person") { row in
            var values: [String: String?] = [:]
            for (i, f) in fields.enumerated() {
                if f == "tags" {
                    let tags = row.text(i).flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue) ?? []
                    values[f] = tags.sorted().joined(separator: "|")
                } else {
                    values[f] = row.text(i)
                }
            }
            let key = values["id_number"]!!
            s.rows[key] = values
            if let scope = values["community_code"] ?? nil, !node.holds(scope: scope) {
                s.outsideScopes.append("row \(key) in person table with community_code \(scope)")
            }
        }
        s.epoch = Int(try db.scalarText("SELECT value FROM _rs_meta WHERE name = 'epoch'") ?? "0") ?? 0
        return s
    }
}
