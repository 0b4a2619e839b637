import Catalogue
import Causality
import JSON
import SQLite
import Standards

extension Replica {
    /// Inserts or updates one record: fields not given stay as they are. Everything is validated
    /// first; on any problem nothing is written and every problem is reported.
    @discardableResult
    public func put(_ resourceName: String, _ patch: JSONObject) throws -> WriteResult {
        let result = try writing { try writeLocal(try resource(resourceName), patch, wallTime: now()) }
        try writeLease()
        return result
    }

    /// Puts many records in one transaction: all or nothing. Problems are reported per record
    /// (1-based position in `patches`) before anything is written.
    ///
    /// With `each`, every result is handed over as it is written and none are kept, so a file of
    /// any length uses constant memory (the returned array is then empty). At most
    /// `maxProblems` problems are collected; the rest are counted in a final entry.
    @discardableResult
    public func putAll(_ resourceName: String, _ patches: some Sequence<(line: Int, patch: JSONObject)>,
                       maxProblems: Int = 1_000, each: ((WriteResult) -> Void)? = nil) throws -> [WriteResult] {
        let r = try resource(resourceName)
        let results = try writing {
            var results: [WriteResult] = []
            var problems: [ValidationIssue] = []
            var more = 0
            for (line, patch) in patches {
                do {
                    // No savepoint per record: writeLocal refuses a record before writing any of it.
                    let result = try writeLocal(r, patch, wallTime: now())
                    if let each { each(result) } else { results.append(result) }
                } catch let error as ReplicaError where !(session?.writeUnderway ?? true) {
                    if problems.count >= maxProblems { more += 1; continue }
                    problems += Self.issues(of: error).map { $0.at(line: line) }
                }
            }
            if more > 0 {
                problems.append(ValidationIssue(field: "", rule: "record.more_problems",
                    messageZh: "另有 \(more) 行有误（未逐一列出）", messageEn: "\(more) more bad lines not listed"))
            }
            if !problems.isEmpty { throw ReplicaError.invalid(problems) }
            return results
        }
        try writeLease()
        return results
    }

    static func issues(of error: ReplicaError) -> [ValidationIssue] {
        if case .invalid(let issues) = error { return issues }
        return [ValidationIssue(field: "", rule: "record.refused", messageZh: error.messageZh, messageEn: error.description)]
    }

    /// Deletes a record: a versioned tombstone, kept and propagated like any other write.
    public func delete(_ resourceName: String, key: String) throws {
        try writing {
            let r = try resource(resourceName)
            try deleteLocal(r, try normalizedKey(r, key), wallTime: now())
        }
        try writeLease()
    }

    // MARK: Internals (inside a transaction)

    /// `tableRow` is the record's row as it stands in its table (a captured write): when the
    /// versions written say the same, the row is left as it is instead of being written again.
    func writeLocal(_ r: Resource, _ patch: JSONObject, wallTime: Int64, keyMustBe rawKey: String? = nil,
                    tableRow: [SQLValue]? = nil) throws -> WriteResult {
        let (values, issues) = validator.normalize(r, patch: patch, allowDisabledCodes: true)
        if !issues.isEmpty { throw ReplicaError.invalid(issues) }
        guard let key = values[r.key]?.stringValue else {
            let label = r.field(r.key)?.label ?? r.key
            throw ReplicaError.invalid([ValidationIssue(field: r.key, rule: "record.required",
                messageZh: "必须填写“\(label)”", messageEn: "\(r.key) (\(label)) is required")])
        }
        if let rawKey, rawKey != key {
            throw ReplicaError.invalid([ValidationIssue(field: r.key, rule: "record.key_form",
                messageZh: "主键应写成标准形式 \(key)", messageEn: "the key must be written in its standard form \(key)")])
        }
        var state = try loadRecord(r, key)
        state.tableRow = tableRow
        let current = state.current
        let view = try view(r, current: current)
        let isNew = !(view?.visible ?? false)
        let existing = isNew ? [:] : view!.values
        // (A new record's merged values are its given values: no second dictionary to fill.)
        var merged = existing.isEmpty ? values : existing
        if !existing.isEmpty { for (k, v) in values { merged[k] = v } }
        merged[r.key] = .string(key)

        let completeIssues = validator.disabledCodeIssues(r, values: values, existing: existing) + validator.checkComplete(r, record: merged)
        if !completeIssues.isEmpty { throw ReplicaError.invalid(completeIssues) }
        let jurisdiction = node.jurisdiction
        let newScope = merged[r.scope]?.stringValue ?? ""
        for scope in [existing[r.scope]?.stringValue, newScope].compactMap({ $0 }) where !jurisdiction.contains(scope) {
            throw ReplicaError.outsideJurisdiction(resource: r.name, key: key, scope: scope, jurisdiction: node.code)
        }

        // Which groups change, and whether this level may write them, is settled before anything
        // is written: a refused write leaves nothing behind, so callers need no savepoint per record.
        var changedGroups: [FieldGroup] = []
        for g in r.groups {
            let groupCurrent = current[g.name] ?? []
            let changed: Bool
            if isNew {
                changed = !groupCurrent.isEmpty || g.fields.contains { (merged[$0] ?? .null) != .null && merged[$0] != .array([]) }
            } else {
                changed = g.fields.contains { f in values[f] != nil && values[f] != (existing[f] ?? .null) }
            }
            guard changed else { continue }
            if !g.isWritable(by: node.level) {
                // A level that may not write the group: refuse a change to it, keep the rest.
                if g.fields.contains(where: { values[$0] != nil && values[$0] != (existing[$0] ?? .null) }) {
                    throw ReplicaError.invalid([ValidationIssue(field: g.fields.first { values[$0] != nil } ?? g.name, rule: "record.group_not_writable",
                        messageZh: "\(node.level.nameZh)节点不能填写“\(g.label)”（由\(g.writers!.map(\.nameZh).sorted().joined(separator: "、"))填写）",
                        messageEn: "a \(node.level.rawValue) node may not write group \(g.name) (writable by \(g.writers!.map(\.rawValue).sorted().joined(separator: ", ")))")])
                }
                continue
            }
            changedGroups.append(g)
        }

        session?.writeUnderway = true
        if !state.isStored && state.current.isEmpty && createsInOnePass && changedGroups.count < StorageCodec.maxRun {
            try createLocal(&state, merged: merged, groups: changedGroups, scope: newScope, wallTime: wallTime)
            try forgetInvalidWrite(r, key)
            return WriteResult(resource: r.name, key: key, created: true, groups: changedGroups.map(\.name))
        }
        var written: [String] = []
        var newDots: [Dot] = []
        if isNew {
            // A new or re-created record: an existence version that has seen everything held.
            let dot = try nextDot()
            var vector = current.values.joined().reduce(into: VersionVector()) { $0.merge($1.vector) }
            // A record purged here was deleted before: its re-creation has seen that delete (and
            // so supersedes, where the purge has not arrived yet, what the delete had seen).
            if let gone = state.purged { vector.merge(gone) }
            vector.add(dot)
            let v = GroupVersion(resource: r.name, key: key, group: GroupVersion.existence, dot: dot, vector: vector,
                                 hlc: try tick(at: wallTime), values: JSONObject([("deleted", .bool(false))]), scope: newScope)
            try markSuperseded((current[GroupVersion.existence] ?? []).map(\.dot), in: &state)
            try insertVersion(v, link: "", current: true, into: &state)
            newDots.append(dot)
        }
        for g in changedGroups {
            let groupCurrent = current[g.name] ?? []
            let dot = try nextDot()
            var vector = groupCurrent.reduce(into: VersionVector()) { $0.merge($1.vector) }
            if let gone = state.purged { vector.merge(gone) }
            vector.add(dot)
            var groupValues = JSONObject()
            for f in g.fields {
                if g.isTagSet {
                    let wanted = Set((merged[f]?.arrayValue ?? []).compactMap(\.stringValue))
                    let held = try Resolution.mergeTags(groupCurrent, field: f).filter { wanted.contains($0.tag) }
                    let heldTags = Set(held.map(\.tag))
                    let added = wanted.subtracting(heldTags).map { TagElement(tag: $0, dot: dot) }
                    groupValues.append(f, TagElement.encode(held + added))
                } else {
                    groupValues.append(f, merged[f] ?? .null)
                }
            }
            let v = GroupVersion(resource: r.name, key: key, group: g.name, dot: dot, vector: vector,
                                 hlc: try tick(at: wallTime), values: groupValues, scope: newScope)
            try markSuperseded(groupCurrent.map(\.dot), in: &state)
            try insertVersion(v, link: "", current: true, into: &state)
            written.append(g.name)
            newDots.append(dot)
        }
        // With nothing new, the row is still written again when another program had left an
        // invalid value in it: the write settles that value, so the row must show the versions'.
        if try !newDots.isEmpty || hasInvalidWrite(r, key) { try refresh(&state) }
        try forgetInvalidWrite(r, key)
        return WriteResult(resource: r.name, key: key, created: isNew, groups: written)
    }

    /// The record was written through rootsync: an invalid direct write of it is settled. The
    /// write is complete, so an error after this point no longer leaves it half written.
    private func hasInvalidWrite(_ r: Resource, _ key: String) throws -> Bool {
        guard session?.mayHaveInvalidWrites ?? true else { return false }
        return try db.scalarInt("SELECT 1 FROM _rs_invalid WHERE resource = ? AND key = ?", r.name, key) != nil
    }

    private func forgetInvalidWrite(_ r: Resource, _ key: String) throws {
        if session?.mayHaveInvalidWrites ?? true { try db.run("DELETE FROM _rs_invalid WHERE resource = ? AND key = ?", r.name, key) }
        session?.writeUnderway = false
    }

    func deleteLocal(_ r: Resource, _ key: String, wallTime: Int64) throws {
        guard var state = try loadRecord(r, key, create: false), let view = try view(r, current: state.current), view.visible else {
            throw ReplicaError.notFound(resource: r.name, key: key)
        }
        if let scope = view.values[r.scope]?.stringValue, !node.jurisdiction.contains(scope) {
            throw ReplicaError.outsideJurisdiction(resource: r.name, key: key, scope: scope, jurisdiction: node.code)
        }
        try writeExistence(&state, deleted: true, scope: knownScope(state, view: view), wallTime: wallTime)
        try refresh(&state)
    }

    /// An existence version that has seen every current version of the record.
    func writeExistence(_ state: inout RecordState, deleted: Bool, scope: String, wallTime: Int64) throws {
        let dot = try nextDot()
        var vector = state.current.values.joined().reduce(into: VersionVector()) { $0.merge($1.vector) }
        vector.add(dot)
        let v = GroupVersion(resource: state.resource.name, key: state.key, group: GroupVersion.existence, dot: dot, vector: vector,
                             hlc: try tick(at: wallTime), values: JSONObject([("deleted", .bool(deleted))]), scope: scope)
        try markSuperseded((state.current[GroupVersion.existence] ?? []).map(\.dot), in: &state)
        try insertVersion(v, link: "", current: true, into: &state)
    }

    func tick(at wallTime: Int64) throws -> Int64 {
        guard session != nil else { preconditionFailure("tick outside a write") }
        return session!.clock.tick(now: wallTime)
    }

}
