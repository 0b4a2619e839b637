import Catalogue
import Foundation
import JSON
import SQLite

/// What installing a catalogue version changed in the replica's schema.
public struct CatalogueMigration: Sendable, Equatable {
    public var from: Int
    public var to: Int
    public var newTables: [String] = []
    public var newColumns: [String] = []
    public var disabledCodes: [String] = []
}

/// One record holding a code the catalogue has since disabled: kept, flagged, not writable anew.
public struct FlaggedValue: Sendable, Equatable {
    public var resource: String
    public var key: String
    public var field: String
    public var code: String
    public var name: String
}

extension Replica {
    /// Installs a newer published catalogue and migrates the schema to it in one transaction:
    /// new resources get their tables and capture triggers, new data items their columns
    /// (SQLite's ADD COLUMN changes only the schema, so it is instant on any table size), new
    /// codes are accepted at once, disabled codes are refused for new writes from now on.
    /// Incompatible changes are refused with every reason and change nothing.
    @discardableResult
    public func install(catalogue new: Catalogue, user: String? = nil) throws -> CatalogueMigration {
        try reloadCatalogueIfChanged()
        let old = catalogue
        if new.version == old.version && new.source == old.source { return CatalogueMigration(from: old.version, to: old.version) }
        let problems = CatalogueEvolution.problems(from: old, to: new)
        if !problems.isEmpty { throw CatalogueError(problems) }
        var m = CatalogueMigration(from: old.version, to: new.version)
        let q = Database.quote
        try db.transaction {
            try db.run("INSERT OR REPLACE INTO _rs_catalogue(version, json, installed_at) VALUES(?, ?, datetime('now'))",
                       new.version, new.source.text)
            for r in new.resources {
                guard let before = old.resource(r.name) else {
                    try db.execute(ReplicaSchema.createTable(r))
                    m.newTables.append(r.name)
                    continue
                }
                for f in r.fields where before.field(f.name) == nil {
                    try db.execute("ALTER TABLE \(q(r.name)) ADD COLUMN \(q(f.name)) \(f.sqlType)")
                    m.newColumns.append("\(r.name).\(f.name)")
                }
                if SearchIndex.fields(of: before) != SearchIndex.fields(of: r) { try SearchIndex.rebuild(db, r) }
            }
            for (set, codes) in new.disabledCodes {
                for code in codes.sorted() where !old.isDisabled(code: code, in: set) { m.disabledCodes.append("\(set):\(code)") }
            }
            try setMeta("catalogue_version", String(new.version))
            try audit("catalogue_installed", detail: "version=\(new.version) from=\(old.version) tables=\(m.newTables.joined(separator: ",")) columns=\(m.newColumns.joined(separator: ",")) disabled=\(m.disabledCodes.joined(separator: ","))", user: user)
        }
        useCatalogue(new)
        return m
    }

    /// Picks up a catalogue another connection or process installed since this one loaded its own.
    public func reloadCatalogueIfChanged() throws {
        guard let v = try meta("catalogue_version"), let version = Int(v), version != catalogue.version,
              let json = try db.scalarText("SELECT json FROM _rs_catalogue WHERE version = ?", version) else { return }
        useCatalogue(try Catalogue.parse(data: Array(json.utf8)))
    }

    func useCatalogue(_ c: Catalogue) {
        catalogue = c
        validator = RecordValidator(catalogue: c, divisions: validator.divisions, today: validator.today)
        policies = Self.policies(of: c)
        rowStatements.removeAll()
        writePlans.removeAll()
    }

    /// The installed catalogue versions, newest first.
    public func catalogueVersions() throws -> [(version: Int, published: String, installedAt: String)] {
        try db.all("SELECT version, json, installed_at FROM _rs_catalogue ORDER BY version DESC") { row in
            let published = (try? JSONParser.parse(row.string(1)))?["published"]?.stringValue ?? ""
            return (row.int(0), published, row.string(2))
        }
    }

    /// The published catalogues after `version`, oldest first (what a child behind needs).
    public func catalogues(after version: Int) throws -> [Catalogue] {
        try db.all("SELECT json FROM _rs_catalogue WHERE version > ? ORDER BY version", version) { row in
            try Catalogue.parse(data: Array(row.string(0).utf8))
        }
    }

    /// Records whose stored values use codes the catalogue has disabled.
    public func flaggedValues(limit: Int = 1000) throws -> [FlaggedValue] {
        var out: [FlaggedValue] = []
        let q = Database.quote
        for r in catalogue.resources {
            for f in r.fields {
                guard let set = f.codeSet, let codes = catalogue.disabledCodes[set], !codes.isEmpty, out.count < limit else { continue }
                let list = codes.sorted().map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ",")
                try db.forEach("SELECT \(q(r.key)), \(q(f.name)) FROM \(q(r.name)) WHERE CAST(\(q(f.name)) AS TEXT) IN (\(list)) ORDER BY 1 LIMIT ?",
                               limit - out.count) { row in
                    let code = row.string(1)
                    out.append(FlaggedValue(resource: r.name, key: row.string(0), field: f.name, code: code,
                                            name: catalogue.codeSet(set)?.name(forCode: code) ?? code))
                }
            }
        }
        return out
    }
}
