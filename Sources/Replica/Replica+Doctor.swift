import Catalogue
import Causality
import JSON
import SQLite

extension Replica {
    /// Looks for state that earlier releases let a hostile child reach (issue 11) and that the
    /// push checks now refuse at the door: counters beyond their range, versions whose vector or
    /// tags name counters this replica never held or issued, rows missing required fields.
    /// With `repair`, fixes what can be fixed safely, in one transaction, and audits it.
    public func diagnose(repair: Bool) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let me = try currentActor()
        let issued = try localCounter()
        try writing(drain: false) {
            // Highest counter held per actor, and the have-vector.
            var newest: [Int64: Int64] = [:]
            var names: [Int64: Actor] = [:]
            try db.forEach("SELECT a.id, a.name, (SELECT max(seq) FROM _rs_version v WHERE v.actor = a.id) FROM _rs_actor a") { row in
                if let actor = Actor(row.string(1)) { names[row.int64(0)] = actor }
                if !row.isNull(2) { newest[row.int64(0)] = row.int64(2) }
            }
            let haves = try db.all("SELECT actor, seq FROM _rs_have") { ($0.int64(0), $0.int64(1)) }
            for (id, seq) in haves where seq > Dot.maxSeq || seq < 0 || (names[id] == me && seq > issued) {
                let name = names[id]?.description ?? "#\(id)"
                findings.append(DoctorFinding(kind: .counterOutOfRange, subject: name, repaired: repair,
                    zh: "已持有计数 \(name) = \(seq) 超出可能的范围", en: "the have-vector entry \(name) = \(seq) is beyond any counter issued"))
                if repair { try recomputeHave(actor: id) }
            }
            // Versions claiming to have seen counters never held or issued here.
            var poisoned: [(id: Int64, v: GroupVersion, local: Bool)] = []
            let held = Dictionary(uniqueKeysWithValues: names.map { ($0.value, newest[$0.key] ?? 0) })
            func unheld(_ dot: Dot) -> Bool { dot.seq > (dot.actor == me ? max(issued, held[me] ?? 0) : held[dot.actor] ?? 0) }
            try db.forEach("""
                SELECT \(Self.versionColumns), v.id, v.link FROM \(Self.versionSource)
                """) { row in
                guard let v = try? decodeVersion(row) else { return }
                var claimed = v.vector.entries.map { Dot(actor: $0.key, seq: $0.value) }
                if policies[v.resource]?[v.group]?.isTagSet == true {
                    for (_, value) in v.values { claimed += ((try? TagElement.decode(value)) ?? []).map(\.dot) }
                }
                if claimed.contains(where: unheld) { poisoned.append((row.int64(9), v, row.int64(10) == 0)) }
            }
            for (_, v, _) in poisoned {
                findings.append(DoctorFinding(kind: .unverifiableVersion, subject: "\(v.resource) \(v.key) \(v.dot)", repaired: repair,
                    zh: "版本 \(v.dot)（\(v.resource) \(v.key) \(v.group)）声称见过本节点从未持有的计数",
                    en: "version \(v.dot) of \(v.resource) \(v.key) \(v.group) claims counters this node never held or issued"))
            }
            if repair && !poisoned.isEmpty {
                // Forged: no honest writer could have seen those counters. Remove every such
                // version first, then let each record's remaining versions decide it again.
                for (id, v, _) in poisoned {
                    try db.run("DELETE FROM _rs_route WHERE version = ?", id)
                    try db.run("DELETE FROM _rs_version WHERE id = ?", id)
                    try audit("doctor_removed_version", detail: "\(v.resource) \(v.key) \(v.group) \(v.dot)", user: "rootsync")
                }
                for (_, v, _) in poisoned { try restoreCurrent(v.resource, v.key, group: v.group) }
                for (_, v, _) in poisoned { if let r = catalogue.resource(v.resource) { try refresh(r, v.key) } }
                // A write made here that merged a forged entry is written again with a clean vector.
                for (_, v, local) in poisoned where local && !v.isExistence {
                    guard let r = catalogue.resource(v.resource) else { continue }
                    var patch = JSONObject([(r.key, .string(v.key))])
                    for (field, value) in v.values where field != r.key {
                        patch[field] = r.group(v.group)?.isTagSet == true
                            ? .array(((try? TagElement.decode(value)) ?? []).map { .string($0.tag) }) : value
                    }
                    _ = try writeLocal(r, patch, wallTime: now())
                }
            }
            // Rows whose required fields are missing (an existence-only record from a child).
            for r in catalogue.resources {
                let required = r.fields.filter { $0.required && $0.name != r.key }
                guard !required.isEmpty else { continue }
                let condition = required.map { "\(Database.quote($0.name)) IS NULL" }.joined(separator: " OR ")
                let keys = try db.all("SELECT \(Database.quote(r.key)) FROM \(Database.quote(r.name)) WHERE \(condition)") { $0.string(0) }
                for key in keys {
                    findings.append(DoctorFinding(kind: .incompleteRow, subject: "\(r.name) \(key)", repaired: repair,
                        zh: "\(r.label) \(key) 缺少必填字段", en: "\(r.name) \(key) lacks a required field"))
                    if repair {
                        // Taken out; the record's versions (if any) write it back once complete.
                        try guarded { try db.run(rowSQL(r).delete, key) }
                        try refresh(r, key)
                    }
                }
            }
            // Versions the parent refused: kept, never repaired by a program (someone must decide).
            for (v, reason) in try setAsideVersions() {
                findings.append(DoctorFinding(kind: .setAside, subject: "\(v.resource) \(v.key) \(v.dot)", repaired: false,
                    zh: "上级拒收了版本 \(v.dot)（\(v.resource) \(v.key) \(v.group)），保留在本节点：请在记录现在所属的节点重新录入",
                    en: "the parent refused version \(v.dot) of \(v.resource) \(v.key) \(v.group) (\(reason)); it is kept here: enter it again at the node the record now belongs to"))
            }
            if repair && findings.contains(where: \.repaired) { try audit("doctor_repair", detail: "findings=\(findings.count)", user: "rootsync") }
        }
        if repair { try writeLease() }
        return findings
    }

    /// The have-vector entry of one actor from the versions held: the highest counter with no gap.
    func recomputeHave(actor id: Int64) throws {
        var top: Int64 = 0
        try db.forEach("SELECT seq FROM _rs_version WHERE actor = ? ORDER BY seq", id) { row in
            if row.int64(0) == top + 1 { top += 1 }
        }
        if top == 0 {
            try db.run("DELETE FROM _rs_have WHERE actor = ?", id)
        } else {
            try db.run("UPDATE _rs_have SET seq = ? WHERE actor = ?", top, id)
        }
    }

    /// After a version was removed, the group's current set is again every version no other
    /// held version covers.
    func restoreCurrent(_ resource: String, _ key: String, group: String) throws {
        let all = try allVersions(resource, key).map(\.version).filter { $0.group == group }
        let current = Set(Resolution.current(of: all).map(\.dot))
        for v in all where current.contains(v.dot) {
            try db.run("UPDATE _rs_version SET current = 1 WHERE seq = ? AND actor = (SELECT id FROM _rs_actor WHERE name = ?)",
                       v.dot.seq, v.dot.actor.description)
        }
    }
}
