import Foundation
import Testing
@testable import SQLite

@Suite("DatabaseMigrator")
struct DatabaseMigratorTests {
    func migrator(steps: Int) -> DatabaseMigrator {
        var m = DatabaseMigrator(table: "_migration")
        m.registerMigration("1-people") { try $0.execute("CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT)") }
        if steps > 1 { m.registerMigration("2-people-phone") { try $0.execute("ALTER TABLE people ADD COLUMN phone TEXT") } }
        if steps > 2 { m.registerMigration("3-broken") { try $0.execute("CREATE TABLE people(x)") } }
        return m
    }

    @Test("steps run once, in order, recorded; a later release adds steps to a file the earlier one made")
    func runsOnceInOrder() throws {
        let db = try Database(path: ":memory:")
        try migrator(steps: 1).migrate(db)
        #expect(try migrator(steps: 2).pending(db) == ["2-people-phone"])
        try migrator(steps: 2).migrate(db)
        try migrator(steps: 2).migrate(db)
        #expect(try migrator(steps: 2).applied(db) == ["1-people", "2-people-phone"])
        #expect(try db.columnNames(of: "people") == ["id", "name", "phone"])
    }

    @Test("nothing pending writes nothing")
    func idleWritesNothing() throws {
        let db = try Database(path: ":memory:")
        try migrator(steps: 2).migrate(db)
        let changes = db.totalChanges
        try migrator(steps: 2).migrate(db)
        #expect(db.totalChanges == changes)
        #expect(!db.isInTransaction)
    }

    @Test("a failing step leaves the file as it was, that step unrecorded")
    func failingStepRollsBack() throws {
        let db = try Database(path: ":memory:")
        try migrator(steps: 1).migrate(db)
        #expect(throws: SQLiteError.self) { try migrator(steps: 3).migrate(db) }
        #expect(try migrator(steps: 3).applied(db) == ["1-people"])
        #expect(try db.columnNames(of: "people") == ["id", "name"])
    }

    @Test("a file with steps this release does not know is refused")
    func unknownStepsAreRefused() throws {
        let db = try Database(path: ":memory:")
        try migrator(steps: 2).migrate(db)
        #expect(throws: MigrationError.unknownMigrations(["2-people-phone"])) { try migrator(steps: 1).migrate(db) }
    }
}
