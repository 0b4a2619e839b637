import CSQLite

/// SQLite's session extension (sqlite3session_*, sqlite3changeset_apply), exposed only as much as
/// the benchmark needs to compare rootsync with SQLite's own change capture and apply. Debian's
/// libsqlite3 is built with it; shim.h makes its declarations visible.
public final class ChangesetSession {
    private let session: OpaquePointer
    // Keeps the connection open while the session refers to it.
    private let database: Database

    /// Starts recording changes to `tables` (every table when nil) of the "main" database.
    public init(database: Database, tables: [String]?) throws {
        var s: OpaquePointer?
        let rc = sqlite3session_create(database.handle, "main", &s)
        guard rc == SQLITE_OK, let s else { throw SQLiteError(db: database.handle, code: rc, sql: nil) }
        self.session = s
        self.database = database
        if let tables {
            for t in tables {
                let rc = sqlite3session_attach(s, t)
                guard rc == SQLITE_OK else { throw SQLiteError(db: database.handle, code: rc, sql: nil) }
            }
        } else {
            let rc = sqlite3session_attach(s, nil)
            guard rc == SQLITE_OK else { throw SQLiteError(db: database.handle, code: rc, sql: nil) }
        }
    }

    deinit { sqlite3session_delete(session) }

    /// The changeset recorded so far, as SQLite serializes it.
    public func changeset() throws -> [UInt8] {
        var n: Int32 = 0
        var p: UnsafeMutableRawPointer?
        let rc = sqlite3session_changeset(session, &n, &p)
        guard rc == SQLITE_OK else { throw SQLiteError(db: database.handle, code: rc, sql: nil) }
        defer { sqlite3_free(p) }
        guard let p, n > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: Int(n)))
    }
}

extension Database {
    /// Applies a changeset with `sqlite3changeset_apply` (SQLite runs it in one savepoint of its
    /// own). Any conflict aborts the whole changeset and throws.
    public func applyChangeset(_ changeset: [UInt8]) throws {
        let rc = changeset.withUnsafeBytes { buf -> Int32 in
            sqlite3changeset_apply(handle, Int32(buf.count), UnsafeMutableRawPointer(mutating: buf.baseAddress),
                                   nil, { _, _, _ in SQLITE_CHANGESET_ABORT }, nil)
        }
        guard rc == SQLITE_OK else { throw SQLiteError(db: handle, code: rc, sql: nil) }
    }
}
