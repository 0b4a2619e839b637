import Catalogue
import Causality
import JSON
import SQLite
import Standards

/// A write made straight into the replica's tables that failed validation.
public struct InvalidWrite: Sendable, Equatable {
    public let resource: String
    public let key: String
    public let row: JSONValue
    public let problems: [ValidationIssue]
    public let atMilliseconds: Int64
}

extension Replica {
    /// Turns writes made by other programs (captured by triggers) into versions, exactly as if
    /// they had been made through rootsync. Invalid ones are listed in `_rs_invalid` instead of
    /// being propagated. Runs at the start of every rootsync write transaction.
    @discardableResult
    func drainCaptured() throws -> Int {
        try reloadCatalogueIfChanged()
        guard let last = try db.scalarInt("SELECT max(id) FROM _rs_capture") else { return 0 }
        let keys = try db.all("""
            SELECT resource, key, min(at_ms) FROM _rs_capture WHERE id <= ? AND key IS NOT NULL
            GROUP BY resource, key ORDER BY min(id)
            """, last) { ($0.string(0), $0.string(1), $0.int64(2)) }
        for (resourceName, key, atMs) in keys {
            guard let r = catalogue.resource(resourceName) else { continue }
            try captureExternal(r, key, atMilliseconds: atMs)
        }
        try db.run("DELETE FROM _rs_capture WHERE id <= ?", last)
        return keys.count
    }

    /// Captures pending external writes now (e.g. before reading the change feed).
    /// With nothing captured it opens no write transaction (the session's guard row alone would
    /// commit a page), so an idle round leaves the file, and whoever watches it, alone.
    public func captureExternalWrites() throws -> Int {
        guard try db.scalarInt("SELECT 1 FROM _rs_capture LIMIT 1") != nil else {
            try reloadCatalogueIfChanged()
            return 0
        }
        let n = try writing(drain: false) { try drainCaptured() }
        if n > 0 { try writeLease() }
        return n
    }

    func captureExternal(_ r: Resource, _ key: String, atMilliseconds: Int64) throws {
        let sql: String
        if let cached = captureSelects[r.name], cached.fields.elementsEqual(r.fields.lazy.map(\.name)) {
            sql = cached.sql
        } else {
            let q = Database.quote
            sql = "SELECT \(r.fields.map { q($0.name) }.joined(separator: ", ")) FROM \(q(r.name)) WHERE \(q(r.key)) = ?"
            captureSelects[r.name] = (r.fields.map(\.name), sql)
        }
        let read: (JSONObject, [SQLValue])? = try db.first(sql, key) { row in
            var o = JSONObject()
            var cells: [SQLValue] = []
            cells.reserveCapacity(r.fields.count)
            for (i, f) in r.fields.enumerated() {
                let cell = row.value(i)
                cells.append(cell)
                o.append(f.name, Self.jsonValue(cell, for: f))
            }
            return (o, cells)
        }
        let row = read?.0
        let wallTime = useCapturedWriteTimes ? max(atMilliseconds, 0) : now()
        if let row {
            do {
                // No savepoint: writeLocal refuses a row before writing any of it.
                _ = try writeLocal(r, row, wallTime: wallTime, keyMustBe: key, tableRow: read?.1)
            } catch let error as ReplicaError where !(session?.writeUnderway ?? true) {
                let problems = Self.issues(of: error)
                session?.mayHaveInvalidWrites = true
                try db.run("""
                    INSERT INTO _rs_invalid(resource, key, row, problems, at_ms) VALUES(?, ?, ?, ?, ?)
                    ON CONFLICT(resource, key) DO UPDATE SET row = excluded.row, problems = excluded.problems, at_ms = excluded.at_ms
                    """, r.name, key, JSONValue.object(row).text,
                    JSONValue.array(problems.map { ["field": .string($0.field), "rule": .string($0.rule),
                                                    "message_zh": .string($0.messageZh), "message_en": .string($0.messageEn)] }).text,
                    atMilliseconds)
            }
        } else {
            try db.run("DELETE FROM _rs_invalid WHERE resource = ? AND key = ?", r.name, key)
            guard var state = try loadRecord(r, key, create: false), let view = try view(r, current: state.current), view.visible else { return }
            try writeExistence(&state, deleted: true, scope: knownScope(state, view: view), wallTime: wallTime)
            try refresh(&state)
        }
    }

    /// Direct writes waiting for correction.
    public func invalidWrites() throws -> [InvalidWrite] {
        try db.all("SELECT resource, key, row, problems, at_ms FROM _rs_invalid ORDER BY at_ms") { row in
            let problems = (try? JSONParser.parse(row.string(3)))?.arrayValue ?? []
            return InvalidWrite(
                resource: row.string(0), key: row.string(1),
                row: (try? JSONParser.parse(row.string(2))) ?? .null,
                problems: problems.map {
                    ValidationIssue(field: $0["field"]?.stringValue ?? "", rule: $0["rule"]?.stringValue ?? "",
                                    messageZh: $0["message_zh"]?.stringValue ?? "", messageEn: $0["message_en"]?.stringValue ?? "")
                },
                atMilliseconds: row.int64(4))
        }
    }
}
