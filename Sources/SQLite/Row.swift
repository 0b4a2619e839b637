import CSQLite

/// A view of the statement's current row. It must not outlive the iteration step that produced
/// it: rows are read in place, so large result sets stream without copies.
public struct Row {
    let statement: Statement
    var handle: OpaquePointer { statement.handle }

    public var count: Int { statement.columnCount }

    public func isNull(_ i: Int) -> Bool { sqlite3_column_type(handle, Int32(i)) == SQLITE_NULL }
    public func int(_ i: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(i))) }
    public func int64(_ i: Int) -> Int64 { sqlite3_column_int64(handle, Int32(i)) }
    public func double(_ i: Int) -> Double { sqlite3_column_double(handle, Int32(i)) }

    /// Text of column `i`, or nil when it is NULL.
    public func text(_ i: Int) -> String? {
        guard let p = sqlite3_column_text(handle, Int32(i)) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, Int32(i)))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Text of column `i`, or "" when it is NULL.
    public func string(_ i: Int) -> String { text(i) ?? "" }

    public func blob(_ i: Int) -> [UInt8]? {
        let n = Int(sqlite3_column_bytes(handle, Int32(i)))
        guard let p = sqlite3_column_blob(handle, Int32(i)) else { return isNull(i) ? nil : [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    /// The blob's bytes without copying them, valid only inside `body` (decoders read them in place).
    public func withBlob<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let n = Int(sqlite3_column_bytes(handle, Int32(i)))
        guard let p = sqlite3_column_blob(handle, Int32(i)) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: p, count: n))
    }

    public func value(_ i: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(i)) {
        case SQLITE_INTEGER: return .integer(int64(i))
        case SQLITE_FLOAT: return .real(double(i))
        case SQLITE_TEXT: return .text(string(i))
        case SQLITE_BLOB: return .blob(blob(i) ?? [])
        default: return .null
        }
    }

    public func columnName(_ i: Int) -> String { statement.columnName(i) }
}
