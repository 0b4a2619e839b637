import Catalogue
import Causality
import JSON
import SQLite

extension Replica {
    /// Writes a record new here (no versions, no bookkeeping row) in one pass, straight from its
    /// merged values: one run (its existence version and one version per group), its visible row,
    /// its bookkeeping row and its routes. It stores exactly what the general path (`insertVersion`
    /// and `refresh`) would, without building versions, a record view or per-group JSON objects
    /// in between: a new record has nothing to merge with, so its view is its own values. Creating
    /// records (imports, captures of new rows, bulk entry) is most of what a replica writes.
    ///
    /// The caller has done every check of `writeLocal`: `groups` are the groups to write, in
    /// catalogue order, and `scope` is inside this node's jurisdiction.
    func createLocal(_ state: inout RecordState, merged: [String: JSONValue], groups: [FieldGroup],
                     scope: String, wallTime: Int64) throws {
        guard session != nil else { preconditionFailure("createLocal outside a write") }
        let r = state.resource
        let plan = try writePlan(r)
        let actorRow = session!.actorRow
        session!.generationMoved = true

        var body: [UInt8] = []
        body.reserveCapacity(48 + 64 * groups.count)
        var values: [UInt8] = []
        values.reserveCapacity(128)
        var cells = [SQLValue](repeating: .null, count: r.fields.count)
        cells[plan.keyColumn] = .text(state.key)

        // The existence version: nothing else is held, so its vector is its own dot.
        let first = try nextDot()
        StorageCodec.appendEntry(group: plan.existenceID, hlc: try tick(at: wallTime), actorRow: actorRow, seq: first.seq,
                                 values: StorageCodec.notDeleted, to: &body)
        try advanceHave(actor: actorRow, storing: first.seq)

        // `groups` is a subsequence of the resource's groups, in order: walk the plan beside it.
        var next = 0
        for g in groups {
            while next < plan.groups.count && plan.groups[next].group.name != g.name { next += 1 }
            guard next < plan.groups.count else { preconditionFailure("a group outside the catalogue, or out of order") }
            let pg = plan.groups[next]
            let dot = try nextDot()
            values.removeAll(keepingCapacity: true)
            StorageCodec.appendVarint(UInt64(g.fields.count), to: &values)
            for (f, column) in zip(g.fields, pg.columns) {
                let v = merged[f] ?? .null
                StorageCodec.appendString(f, to: &values)
                if g.isTagSet {
                    // Every tag is added by this version; stored and shown sorted, each once.
                    let tags = Set((v.arrayValue ?? []).compactMap(\.stringValue)).sorted()
                    StorageCodec.append(TagElement.encode(tags.map { TagElement(tag: $0, dot: dot) }), to: &values)
                    if column >= 0 { cells[column] = Self.sqlValue(.array(tags.map { .string($0) }), for: r.fields[column]) }
                } else {
                    StorageCodec.append(v, to: &values)
                    if column >= 0 { cells[column] = Self.sqlValue(v, for: r.fields[column]) }
                }
            }
            StorageCodec.appendEntry(group: pg.nameID, hlc: try tick(at: wallTime), actorRow: actorRow, seq: dot.seq,
                                     values: values, to: &body)
            try advanceHave(actor: actorRow, storing: dot.seq)
        }

        let statements = try writeStatements()
        try db.run(statements.insertRun,
                   values: [.integer(actorRow), .integer(first.seq), .integer(Int64(1 + groups.count)), .integer(state.id),
                            .text(scope), .integer(0), .integer(0), .blob(body)])
        let stored = StoredVersion(id: db.lastInsertRowID, scope: scope, link: "")

        // The record's row: only once every required field holds a value (as `refresh` decides).
        if plan.requiredColumns.allSatisfy({ !cells[$0].isNull }) {
            if cells != state.tableRow { try db.run(try rowStatements(r).upsert, values: cells) }
        } else {
            try db.run(try rowStatements(r).delete, values: [.text(state.key)])
        }
        try db.run(statements.insertRecord, values: [.integer(state.id), .text(r.name), .text(state.key), .text(scope)])
        state.isStored = true
        try route(state, stored: [stored], newScope: scope)
    }

    /// The write path's statements, prepared on first use (they stay prepared for the connection).
    func writeStatements() throws -> WriteStatements {
        if let s = writeStatementsCache { return s }
        let s = try WriteStatements(db)
        writeStatementsCache = s
        return s
    }

    /// The write plan of a resource under the current catalogue (built once, in a write).
    func writePlan(_ r: Resource) throws -> WritePlan {
        if let plan = writePlans[r.name] { return plan }  // (emptied whenever the catalogue changes)
        let plan = try WritePlan(r, nameID: nameID)
        writePlans[r.name] = plan
        return plan
    }
}
