/// Named schema steps, applied once each, in order, and recorded in the file (in the style of
/// GRDB's `DatabaseMigrator`). A file knows which steps it has had, so a newer release upgrades an
/// older file in place, and a file from a newer release (with steps this one does not know) is
/// refused instead of being misread.
public struct DatabaseMigrator: Sendable {
    public struct Migration: Sendable {
        public let identifier: String
        let body: @Sendable (Database) throws -> Void
    }

    /// Where applied steps are recorded.
    public let table: String
    public private(set) var migrations: [Migration] = []

    public init(table: String) { self.table = table }

    /// Adds a step. Identifiers are permanent: a step is never edited once released, only
    /// followed by new ones.
    public mutating func registerMigration(_ identifier: String, _ body: @escaping @Sendable (Database) throws -> Void) {
        precondition(!migrations.contains { $0.identifier == identifier }, "migration \(identifier) registered twice")
        migrations.append(Migration(identifier: identifier, body: body))
    }

    /// Steps recorded in the file, in the order they ran.
    public func applied(_ db: Database) throws -> [String] {
        guard try db.tableExists(table) else { return [] }
        return try db.all("SELECT identifier FROM \(Database.quote(table)) ORDER BY rowid") { $0.string(0) }
    }

    /// Steps not yet applied to `db`.
    public func pending(_ db: Database) throws -> [String] {
        let done = Set(try applied(db))
        return migrations.map(\.identifier).filter { !done.contains($0) }
    }

    /// Runs every pending step, each recorded in the same transaction as its changes. Writes
    /// nothing when nothing is pending (other processes watch the file for changes).
    /// - Throws: `MigrationError.unknownMigrations` when the file holds steps of a newer release.
    public func migrate(_ db: Database) throws {
        if try isComplete(db) { return }
        try db.transaction {
            try db.execute("CREATE TABLE IF NOT EXISTS \(Database.quote(table))(identifier TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            // Read again inside the write transaction: another process may have just migrated.
            let done = Set(try applied(db))
            for m in migrations where !done.contains(m.identifier) {
                try m.body(db)
                try db.run("INSERT INTO \(Database.quote(table))(identifier, applied_at) VALUES(?, datetime('now'))", m.identifier)
            }
        }
    }

    /// True when every registered step is applied; throws when the file knows steps we do not.
    public func isComplete(_ db: Database) throws -> Bool {
        let done = try applied(db)
        let known = Set(migrations.map(\.identifier))
        let unknown = done.filter { !known.contains($0) }
        if !unknown.isEmpty { throw MigrationError.unknownMigrations(unknown) }
        return done.count == migrations.count
    }
}
