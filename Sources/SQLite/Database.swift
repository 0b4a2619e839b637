import CSQLite

/// One SQLite connection: opened in WAL mode with a busy timeout, with a prepared-statement cache
/// and nestable transactions. A `Database` belongs to one thread at a time; open one per thread.
public final class Database {
    /// How to open the file.
    public struct Options: Sendable {
        public var readOnly = false
        public var create = true
        /// Milliseconds to wait for another connection's lock before failing with SQLITE_BUSY.
        public var busyTimeoutMilliseconds: Int32 = 10_000
        /// WAL lets readers (office programs, `rootsync status`) run while the agent writes.
        public var walMode = true
        /// `NORMAL` is durable across application crashes in WAL mode; `FULL` also across power loss.
        public var synchronous = "NORMAL"
        public init() {}
    }

    let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]
    private var savepointDepth = 0

    public init(path: String, options: Options = Options()) throws {
        var db: OpaquePointer?
        var flags = options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if options.create && !options.readOnly { flags |= SQLITE_OPEN_CREATE }
        // NOMUTEX: a connection is only ever used by one thread at a time (a Replica is not
        // thread-safe and ReplicaPool lends each to one thread), so SQLite's per-connection mutex
        // only cost its lock and unlock on every call (4 % of the instructions of importing a person
        // in the callgrind profile of 8875950).
        flags |= SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(db: db, code: rc, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMilliseconds)
        if options.walMode && !options.readOnly && path != ":memory:" {
            try execute("PRAGMA journal_mode=WAL")
        }
        if !options.readOnly {
            try execute("PRAGMA synchronous=\(options.synchronous)")
        }
        try execute("PRAGMA foreign_keys=ON")
        // 32 MiB of page cache (SQLite's default is 2 MiB): a sync batch or an import that
        // touches more pages than the cache holds spills them to the WAL mid-transaction.
        try execute("PRAGMA cache_size=-32768")
    }

    /// A private in-memory database, for tests and scratch work.
    public static func inMemory() throws -> Database {
        try Database(path: ":memory:")
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Statements

    /// Runs a script of one or more statements with no arguments (schema, pragmas).
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(err)
            throw SQLiteError(code: rc & 0xff, extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A cached prepared statement for `sql`. Statements stay prepared for the connection's life.
    public func statement(_ sql: String) throws -> Statement {
        if let cached = cache[sql] { return cached }
        let statement = try Statement(database: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// Runs one statement to completion and returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ arguments: SQLBindable?...) throws -> Int {
        try run(sql, arguments: arguments)
    }

    @discardableResult
    public func run(_ sql: String, arguments: [SQLBindable?]) throws -> Int {
        let statement = try self.statement(sql)
        try statement.bind(arguments)
        return try runToEnd(statement)
    }

    /// Runs one statement with plain values (no existential boxing per argument).
    @discardableResult
    public func run(_ sql: String, values: [SQLValue]) throws -> Int {
        let statement = try self.statement(sql)
        try statement.bind(values: values)
        return try runToEnd(statement)
    }

    /// Runs a statement the caller keeps (from `statement(_:)`) with plain values: the hot write
    /// path holds its statements, since finding one by its SQL text hashes the whole text.
    @discardableResult
    public func run(_ statement: Statement, values: [SQLValue]) throws -> Int {
        try statement.bind(values: values)
        return try runToEnd(statement)
    }

    /// The first row of a kept statement, mapped, or nil when there is none. The statement must
    /// not be iterated by a caller at the same time.
    public func first<T>(_ statement: Statement, values: [SQLValue], map: (Row) throws -> T) throws -> T? {
        try statement.bind(values: values)
        defer { statement.reset() }
        return try statement.step() ? map(statement.row) : nil
    }

    /// Steps a bound statement to completion and resets it; the rows it changed.
    private func runToEnd(_ statement: Statement) throws -> Int {
        defer { statement.reset() }
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Streams every row of a query through `body`. The row is only valid inside the call.
    public func forEach(_ sql: String, _ arguments: SQLBindable?..., body: (Row) throws -> Void) throws {
        try forEach(sql, arguments: arguments, body: body)
    }

    public func forEach(_ sql: String, arguments: [SQLBindable?], body: (Row) throws -> Void) throws {
        // A statement already being iterated (a nested query with the same SQL) gets its own copy.
        let statement = try freshIfBusy(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        while try statement.step() { try body(statement.row) }
    }

    /// Maps every row; for small results only (use `forEach` to stream).
    public func all<T>(_ sql: String, _ arguments: SQLBindable?..., map: (Row) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEach(sql, arguments: arguments) { out.append(try map($0)) }
        return out
    }

    /// The first row mapped, or nil when there is none.
    public func first<T>(_ sql: String, _ arguments: SQLBindable?..., map: (Row) throws -> T) throws -> T? {
        try first(sql, arguments: arguments, map: map)
    }

    public func first<T>(_ sql: String, arguments: [SQLBindable?], map: (Row) throws -> T) throws -> T? {
        let statement = try freshIfBusy(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        return try statement.step() ? map(statement.row) : nil
    }

    /// The first column of the first row as an integer (nil when there is no row or it is NULL).
    public func scalarInt(_ sql: String, _ arguments: SQLBindable?...) throws -> Int? {
        try first(sql, arguments: arguments) { $0.isNull(0) ? nil : $0.int(0) } ?? nil
    }

    /// The first column of the first row as text (nil when there is no row or it is NULL).
    public func scalarText(_ sql: String, _ arguments: SQLBindable?...) throws -> String? {
        try first(sql, arguments: arguments) { $0.text(0) } ?? nil
    }

    private func freshIfBusy(_ sql: String) throws -> Statement {
        let statement = try self.statement(sql)
        if sqlite3_stmt_busy(statement.handle) != 0 {
            return try Statement(database: self, sql: sql)
        }
        return statement
    }

    // MARK: Transactions

    public enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        /// Takes the write lock at once, so a read-then-write transaction cannot fail half-way with BUSY.
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Nested calls become savepoints, so a failing inner step undoes only itself.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if isInTransaction {
            savepointDepth += 1
            let name = "rs_sp\(savepointDepth)"
            defer { savepointDepth -= 1 }
            // Prepared once per depth (a per-record savepoint parsed every time showed in profiles).
            try run("SAVEPOINT \(name)")
            do {
                let result = try body()
                try run("RELEASE \(name)")
                return result
            } catch {
                _ = try? run("ROLLBACK TO \(name)")
                _ = try? run("RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN \(kind.rawValue)")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: Facts

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var totalChanges: Int { Int(sqlite3_total_changes(handle)) }

    /// `PRAGMA user_version`, the schema version of the file.
    public func userVersion() throws -> Int { try scalarInt("PRAGMA user_version") ?? 0 }
    public func setUserVersion(_ v: Int) throws { try execute("PRAGMA user_version=\(v)") }

    public func tableExists(_ name: String) throws -> Bool {
        try scalarInt("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", name) != nil
    }

    public func columnNames(of table: String) throws -> [String] {
        try all("SELECT name FROM pragma_table_info(?)", table) { $0.string(0) }
    }

    /// Quotes an identifier for SQL text (table and column names come from the catalogue).
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// The SQLite library version, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
