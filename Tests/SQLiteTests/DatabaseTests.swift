import Foundation
import Testing
@testable import SQLite

@Suite("SQLite wrapper")
struct DatabaseTests {
    func scratchFile() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-sqlite-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("t.sqlite").path
    }

    @Test func opensFileInWALModeWithBusyTimeout() throws {
        let db = try Database(path: scratchFile())
        #expect(try db.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try db.scalarInt("PRAGMA busy_timeout") == 10_000)
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
    }

    @Test func bindsAndReadsEveryStorageClass() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let blob: [UInt8] = [0, 1, 2, 255]
        try db.run("INSERT INTO t VALUES(?,?,?,?,?)", Int64.max, 2.5, "鄂尔多斯 \u{0}x", blob, nil as String?)
        let row = try #require(try db.first("SELECT i, r, s, b, n FROM t") { r in
            (r.int64(0), r.double(1), r.text(2), r.blob(3), r.isNull(4), r.value(4))
        })
        #expect(row.0 == Int64.max)
        #expect(row.1 == 2.5)
        #expect(row.2 == "鄂尔多斯 \u{0}x")
        #expect(row.3 == blob)
        #expect(row.4)
        #expect(row.5 == .null)
    }

    @Test func wrongArgumentCountIsAnError() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a)")
        #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES(?)", 1, 2) }
    }

    @Test func statementsAreCachedAndReusable() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a INTEGER)")
        for i in 0..<100 { try db.run("INSERT INTO t VALUES(?)", i) }
        let s1 = try db.statement("INSERT INTO t VALUES(?)")
        let s2 = try db.statement("INSERT INTO t VALUES(?)")
        #expect(s1 === s2)
        #expect(try db.scalarInt("SELECT sum(a) FROM t") == 4950)
    }

    @Test func nestedQueryWithSameSQLDoesNotClobberOuterIteration() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a INTEGER); INSERT INTO t VALUES(1),(2),(3)")
        var pairs = 0
        try db.forEach("SELECT a FROM t") { _ in
            try db.forEach("SELECT a FROM t") { _ in pairs += 1 }
        }
        #expect(pairs == 9)
    }

    @Test func transactionRollsBackOnThrow() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a INTEGER UNIQUE)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES(1)")
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        #expect(!db.isInTransaction)
    }

    @Test func nestedTransactionIsASavepoint() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a INTEGER UNIQUE)")
        try db.transaction {
            try db.run("INSERT INTO t VALUES(1)")
            // The inner failure undoes only the inner step.
            _ = try? db.transaction {
                try db.run("INSERT INTO t VALUES(2)")
                try db.run("INSERT INTO t VALUES(1)") // violates UNIQUE
            }
            try db.run("INSERT INTO t VALUES(3)")
        }
        #expect(try db.all("SELECT a FROM t ORDER BY a") { $0.int(0) } == [1, 3])
    }

    @Test func constraintErrorsCarryCodesAndSQL() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY)")
        try db.run("INSERT INTO t VALUES(1)")
        do {
            try db.run("INSERT INTO t VALUES(1)")
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.isConstraintViolation)
            #expect(error.sql == "INSERT INTO t VALUES(1)")
            #expect(error.description.contains("UNIQUE"))
        }
    }

    @Test func secondConnectionSeesCommittedWritesOnly() throws {
        let path = scratchFile()
        let a = try Database(path: path)
        let b = try Database(path: path)
        try a.execute("CREATE TABLE t(a INTEGER)")
        try a.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES(1)")
        #expect(try b.scalarInt("SELECT count(*) FROM t") == 0)
        try a.execute("COMMIT")
        #expect(try b.scalarInt("SELECT count(*) FROM t") == 1)
    }

    @Test func busyWriterTimesOutWithBusyError() throws {
        let path = scratchFile()
        var options = Database.Options()
        options.busyTimeoutMilliseconds = 50
        let a = try Database(path: path, options: options)
        let b = try Database(path: path, options: options)
        try a.execute("CREATE TABLE t(a INTEGER)")
        try a.execute("BEGIN IMMEDIATE")
        do {
            try b.transaction { try b.run("INSERT INTO t VALUES(1)") }
            Issue.record("expected SQLITE_BUSY")
        } catch let error as SQLiteError {
            #expect(error.isBusy)
        }
        try a.execute("ROLLBACK")
    }

    @Test func quotesIdentifiers() {
        #expect(Database.quote("person") == "\"person\"")
        #expect(Database.quote("a\"b") == "\"a\"\"b\"")
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        let path = scratchFile()
        let a = try Database(path: path)
        try a.execute("CREATE TABLE t(a INTEGER)")
        var options = Database.Options()
        options.readOnly = true
        let r = try Database(path: path, options: options)
        #expect(throws: SQLiteError.self) { try r.run("INSERT INTO t VALUES(1)") }
    }
}
