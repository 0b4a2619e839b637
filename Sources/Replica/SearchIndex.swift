import Catalogue
import SQLite

/// The indexes record search uses, per resource table, kept in step by plain SQL triggers (so
/// writes by other programs are indexed too, and a trigger can never make such a write fail):
/// - B-tree indexes on the `name` item, on phone items and on citizen ID items other than the key
///   (the key and the scope are indexed already), for exact and leading-part search;
/// - `_rs_fts_<resource>`, an FTS5 table with the trigram tokenizer over the address items
///   (any 3 consecutive characters match, which suits Chinese addresses without word breaks);
///   its rowid is the resource table's rowid;
/// - `_rs_search_tag`, one row per (resource, item, tag, key), for tag search and the tags in use.
///
/// Step 11 (`11-search-index`) builds them for the tables a replica has; `ReplicaSchema.createTable`
/// for every table made later; a catalogue install that changes which items a resource searches
/// rebuilds that resource's (`rebuild`).
enum SearchIndex {
    /// The items of a resource each search covers.
    struct Fields: Equatable {
        var key: String
        var scope: String
        var name: String?
        var idNumbers: [String]
        var phones: [String]
        var addresses: [String]
        var tags: [String]

        func items(_ field: SearchField) -> [String] {
            switch field {
            case .key: [key]
            case .name: name.map { [$0] } ?? []
            case .idNumber: idNumbers
            case .address: addresses
            case .phone: phones
            case .tag: tags
            case .community: [scope]
            }
        }
    }

    /// The one rule that says which items a search covers (field names are the stable API).
    static func fields(of r: Resource) -> Fields {
        let text = r.fields.filter { $0.kind == .value && $0.sqlType == "TEXT" }
        let isAddress: (DataItem) -> Bool = { $0.name == "address" || $0.name == "location" || $0.name.hasSuffix("_address") }
        return Fields(
            key: r.key, scope: r.scope,
            name: text.first { $0.name == "name" && $0.name != r.key }?.name,
            idNumbers: text.filter { $0.check == .citizenID && $0.name != r.key }.map(\.name),
            phones: text.filter { $0.check == .phone }.map(\.name),
            addresses: text.filter { isAddress($0) && $0.check == nil && $0.codeSet == nil }.map(\.name),
            tags: r.fields.filter { $0.kind == .tags }.map(\.name))
    }

    /// The table every resource's tags go to (step 11).
    static let tagTable = """
    CREATE TABLE IF NOT EXISTS _rs_search_tag(resource TEXT NOT NULL, field TEXT NOT NULL, tag TEXT NOT NULL, key TEXT NOT NULL,
        PRIMARY KEY(resource, field, tag, key)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS _rs_search_tag_record ON _rs_search_tag(resource, key);
    """

    static func ftsTable(_ r: Resource) -> String { "_rs_fts_\(r.name)" }

    static func triggerNames(_ r: Resource) -> [String] {
        ["insert", "update_text", "update_tags", "delete", "insert_tags"].map { "_rs_search_\(r.name)_\($0)" }
    }

    /// Indexes, FTS table and triggers of one resource table (`IF NOT EXISTS` throughout).
    static func schema(_ r: Resource) -> String {
        let q = Database.quote
        let f = fields(of: r)
        let table = q(r.name), key = q(r.key), fts = q(ftsTable(r))
        let literal = "'" + r.name.replacingOccurrences(of: "'", with: "''") + "'"
        var sql: [String] = []
        for item in ([f.name].compactMap { $0 } + f.idNumbers + f.phones) {
            sql.append("CREATE INDEX IF NOT EXISTS \(q("_rs_search_\(r.name)_\(item)")) ON \(table)(\(q(item)));")
        }
        func addressText(_ row: String) -> String {
            f.addresses.map { "coalesce(\(row).\(q($0)), '')" }.joined(separator: " || char(10) || ")
        }
        func anyAddress(_ row: String) -> String { f.addresses.map { "\(row).\(q($0)) IS NOT NULL" }.joined(separator: " OR ") }
        func insertText(_ row: String) -> String {
            "INSERT INTO \(fts)(rowid, text) SELECT \(row).rowid, \(addressText(row)) WHERE \(anyAddress(row));"
        }
        func insertTags(_ row: String) -> String {
            f.tags.map { tag in
                let column = "\(row).\(q(tag))"
                let fieldLiteral = "'" + tag.replacingOccurrences(of: "'", with: "''") + "'"
                return """
                INSERT OR IGNORE INTO _rs_search_tag(resource, field, tag, key)
                    SELECT \(literal), \(fieldLiteral), value, \(row).\(key)
                    FROM json_each(CASE WHEN json_valid(\(column)) AND json_type(\(column)) = 'array' THEN \(column) ELSE '[]' END)
                    WHERE type = 'text';
                """
            }.joined(separator: "\n")
        }
        let names = triggerNames(r).map(q)
        // The insert triggers run only when there is something to do (their WHEN clauses): a
        // statement on the FTS table costs its virtual-table set-up even when it matches nothing,
        // and that was half of inserting a row without an address (a stale entry for the rowid
        // can only be left by an INSERT OR REPLACE of another program).
        var onDelete: [String] = []
        if !f.addresses.isEmpty {
            sql.append("CREATE VIRTUAL TABLE IF NOT EXISTS \(fts) USING fts5(text, tokenize = 'trigram case_sensitive 1');")
            let stale = "EXISTS (SELECT 1 FROM \(q(ftsTable(r) + "_docsize")) WHERE id = NEW.rowid)"
            sql.append("""
                CREATE TRIGGER IF NOT EXISTS \(names[0]) AFTER INSERT ON \(table) WHEN \(anyAddress("NEW")) OR \(stale)
                BEGIN DELETE FROM \(fts) WHERE rowid = NEW.rowid; \(insertText("NEW")) END;
                """)
            onDelete.append("DELETE FROM \(fts) WHERE rowid = OLD.rowid;")
            let changed = (["rowid"] + f.addresses.map(q)).map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ")
            sql.append("""
                CREATE TRIGGER IF NOT EXISTS \(names[1]) AFTER UPDATE ON \(table) WHEN \(changed)
                BEGIN DELETE FROM \(fts) WHERE rowid = OLD.rowid; \(insertText("NEW")) END;
                """)
        }
        if !f.tags.isEmpty {
            let clear = "DELETE FROM _rs_search_tag WHERE resource = \(literal) AND key = %@.\(key);"
            let anyTag = f.tags.map { "NEW.\(q($0)) IS NOT NULL" }.joined(separator: " OR ")
            let staleTags = "EXISTS (SELECT 1 FROM _rs_search_tag WHERE resource = \(literal) AND key = NEW.\(key))"
            sql.append("""
                CREATE TRIGGER IF NOT EXISTS \(names[4]) AFTER INSERT ON \(table) WHEN \(anyTag) OR \(staleTags)
                BEGIN \(clear.replacingOccurrences(of: "%@", with: "NEW")) \(insertTags("NEW")) END;
                """)
            onDelete.append(clear.replacingOccurrences(of: "%@", with: "OLD"))
            let changed = ([key] + f.tags.map(q)).map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ")
            sql.append("""
                CREATE TRIGGER IF NOT EXISTS \(names[2]) AFTER UPDATE ON \(table) WHEN \(changed)
                BEGIN \(clear.replacingOccurrences(of: "%@", with: "OLD")) \(insertTags("NEW")) END;
                """)
        }
        if !onDelete.isEmpty {
            sql.append("CREATE TRIGGER IF NOT EXISTS \(names[3]) AFTER DELETE ON \(table) BEGIN \(onDelete.joined(separator: " ")) END;")
        }
        return sql.joined(separator: "\n")
    }

    /// Fills a resource's FTS table and tag rows from its table (after `schema`, on a table that
    /// already holds records).
    static func fill(_ db: Database, _ r: Resource) throws {
        let q = Database.quote
        let f = fields(of: r)
        let key = q(r.key)
        if !f.addresses.isEmpty {
            let text = f.addresses.map { "coalesce(\(q($0)), '')" }.joined(separator: " || char(10) || ")
            let any = f.addresses.map { "\(q($0)) IS NOT NULL" }.joined(separator: " OR ")
            try db.execute("INSERT INTO \(q(ftsTable(r)))(rowid, text) SELECT rowid, \(text) FROM \(q(r.name)) WHERE \(any)")
        }
        for tag in f.tags {
            let column = q(tag)
            try db.run("""
                INSERT OR IGNORE INTO _rs_search_tag(resource, field, tag, key)
                SELECT ?, ?, j.value, t.\(key) FROM \(q(r.name)) t,
                    json_each(CASE WHEN json_valid(t.\(column)) AND json_type(t.\(column)) = 'array' THEN t.\(column) ELSE '[]' END) j
                WHERE j.type = 'text'
                """, r.name, tag)
        }
    }

    /// Drops and builds a resource's search index again (its searched items changed).
    static func rebuild(_ db: Database, _ r: Resource) throws {
        let q = Database.quote
        for name in triggerNames(r) { try db.execute("DROP TRIGGER IF EXISTS \(q(name))") }
        try db.execute("DROP TABLE IF EXISTS \(q(ftsTable(r)))")
        try db.run("DELETE FROM _rs_search_tag WHERE resource = ?", r.name)
        try db.execute(schema(r))
        try fill(db, r)
    }

    /// Step 17: the insert triggers of step 11 replaced by ones that run only when a row has
    /// something to index (the index itself is unchanged).
    static func conditionalInsertTriggers(_ db: Database) throws {
        guard try db.tableExists("_rs_catalogue"),
              let json = try db.scalarText("SELECT json FROM _rs_catalogue ORDER BY version DESC LIMIT 1") else { return }
        let catalogue = try Catalogue.parse(data: Array(json.utf8))
        for r in catalogue.resources where try db.tableExists(r.name) {
            try db.execute("DROP TRIGGER IF EXISTS \(Database.quote(triggerNames(r)[0]))")
            try db.execute(schema(r))
        }
    }

    /// Step 11: the shared tag table, then every resource table of the catalogue in force
    /// (none yet on a new file: `createTable` adds theirs). Built from scratch, so running it
    /// again on a file whose record of it was lost leaves the same index.
    static func migrate(_ db: Database) throws {
        try db.execute(tagTable)
        guard try db.tableExists("_rs_catalogue"),
              let json = try db.scalarText("SELECT json FROM _rs_catalogue ORDER BY version DESC LIMIT 1") else { return }
        let catalogue = try Catalogue.parse(data: Array(json.utf8))
        for r in catalogue.resources where try db.tableExists(r.name) { try rebuild(db, r) }
    }
}
