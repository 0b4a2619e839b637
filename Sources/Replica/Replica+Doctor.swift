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
            try db.forEach("SELECT a.id, a.name, (SELECT v.seq + v.n - 1 FROM _rs_version v WHERE v.actor = a.id ORDER BY v.seq DESC LIMIT 1) FROM _rs_actor a") { row in
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
            try db.forEach("SELECT \(Self.runColumns), r.resource, r.key FROM \(Self.runSource)") { row in
                guard let run = try? versions(ofRun: row) else { return }
                for h in run {
                    let v = h.version
                    var claimed = v.vector.entries.map { Dot(actor: $0.key, seq: $0.value) }
                    if policies[v.resource]?[v.group]?.isTagSet == true {
                        for (_, value) in v.values { claimed += ((try? TagElement.decode(value)) ?? []).map(\.dot) }
                    }
                    if claimed.contains(where: unheld) { poisoned.append((h.row, v, h.link.isEmpty)) }
                }
            }
            for (_, v, _) in poisoned {
                findings.append(DoctorFinding(kind: .unverifiableVersion, subject: "\(v.resource) \(v.key) \(v.dot)", repaired: repair,
                    zh: "版本 \(v.dot)（\(v.resource) \(v.key) \(v.group)）声称见过本节点从未持有的计数",
                    en: "version \(v.dot) of \(v.resource) \(v.key) \(v.group) claims counters this node never held or issued"))
            }
            if repair && !poisoned.isEmpty {
                // Forged: no honest writer could have seen those counters. Remove every such
                // version first, then let each record's remaining versions decide it again.
                // A run holding a forged version is taken out whole; its other versions are
                // stored again (as new runs, routed again) before the current sets are recomputed.
                let forged = Set(poisoned.map(\.v.dot))
                for id in Set(poisoned.map(\.id)).sorted() {
                    guard let (resource, key) = try db.first("SELECT r.resource, r.key FROM \(Self.runSource) WHERE v.id = ?", id,
                                                             map: { ($0.string(0), $0.string(1)) }),
                          let r = catalogue.resource(resource) else { continue }
                    let kept = try db.first("SELECT \(Self.runColumns) FROM _rs_version v WHERE v.id = ?", id) { row in
                        try versions(ofRun: row, resource: resource, key: key).filter { !forged.contains($0.version.dot) }
                    } ?? []
                    try db.run("DELETE FROM _rs_route WHERE version = ?", id)
                    try db.run("DELETE FROM _rs_version WHERE id = ?", id)
                    guard !kept.isEmpty, var state = try loadRecord(r, key, create: false) else { continue }
                    state.pending = kept.map { ($0.version, $0.link, false) }
                    try storePending(&state)
                    try route(state, stored: state.stored, newScope: state.storedScope ?? "")
                }
                for (_, v, _) in poisoned {
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
                        _ = try guarded { try db.run(try rowStatements(r).delete, values: [.text(key)]) }
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
        var gap = false
        try db.forEach("SELECT seq, n FROM _rs_version WHERE actor = ? ORDER BY seq", id) { row in
            if !gap && row.int64(0) <= top + 1 { top = max(top, row.int64(0) + row.int64(1) - 1) } else { gap = true }
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
        guard let id = try recordID(resource, key) else { return }
        var held: [HeldVersion] = []
        try db.forEach("SELECT \(Self.runColumns) FROM _rs_version v WHERE v.record = ?", id) { row in
            held += try versions(ofRun: row, resource: resource, key: key).filter { $0.version.group == group }
        }
        let current = Set(Resolution.current(of: held.map(\.version)).map(\.dot))
        for h in held where current.contains(h.version.dot) != h.current {
            let bit = Int64(1) << Int64(h.index)
            try db.run("UPDATE _rs_version SET superseded = CASE WHEN ? THEN superseded & ~? ELSE superseded | ? END WHERE id = ?",
                       current.contains(h.version.dot), bit, bit, h.row)
        }
    }
}
