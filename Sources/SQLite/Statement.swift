import CSQLite

/// A prepared statement. Owned by one `Database`, used on its thread only.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    unowned let database: Database

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw SQLiteError(db: database.handle, code: rc, sql: sql)
        }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }
    public func columnName(_ index: Int) -> String { String(cString: sqlite3_column_name(handle, Int32(index))) }

    /// Resets the statement and binds `arguments` to parameters 1...n.
    /// Every parameter is bound (the count must match), so old bindings need no clearing.
    public func bind(_ arguments: [SQLBindable?]) throws {
        sqlite3_reset(handle)
        try checkCount(arguments.count)
        for (i, argument) in arguments.enumerated() {
            try bind(argument?.sqlValue ?? .null, at: i + 1)
        }
    }

    /// Binds plain values: the hot write path's rows, without an existential per cell.
    public func bind(values: [SQLValue]) throws {
        sqlite3_reset(handle)
        try checkCount(values.count)
        for i in values.indices { try bind(values[i], at: i + 1) }
    }

    private func checkCount(_ given: Int) throws {
        guard given == parameterCount else {
            throw SQLiteError(code: SQLITE_RANGE, message: "statement takes \(parameterCount) arguments, \(given) given", sql: sql)
        }
    }

    /// Binds one value at a 1-based parameter index.
    public func bind(_ value: SQLValue, at index: Int) throws {
        let i = Int32(index)
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, i)
        case .integer(let v): rc = sqlite3_bind_int64(handle, i, v)
        case .real(let v): rc = sqlite3_bind_double(handle, i, v)
        case .text(let v):
            rc = v.utf8.withContiguousStorageIfAvailable { buf in
                buf.withMemoryRebound(to: CChar.self) { csqlite_bind_text(handle, i, $0.baseAddress, Int32($0.count)) }
            } ?? csqlite_bind_text(handle, i, v, -1)
        case .blob(let v):
            rc = v.withUnsafeBytes { csqlite_bind_blob(handle, i, $0.baseAddress, Int32($0.count)) }
        }
        guard rc == SQLITE_OK else { throw SQLiteError(db: database.handle, code: rc, sql: sql) }
    }

    /// Advances one row. Returns false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(db: database.handle, code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    public func reset() { sqlite3_reset(handle) }

    /// The current row; valid until the next `step()` or `reset()`.
    public var row: Row { Row(statement: self) }
}
