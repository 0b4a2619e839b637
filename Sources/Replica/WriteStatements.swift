import SQLite

/// The statements every write runs, prepared once per connection and run by handle: looking a
/// cached statement up by its SQL text hashed the whole text for every row written.
struct WriteStatements {
    /// Stores one run: actor, seq, n, record, scope, link, superseded, body.
    let insertRun: Statement
    /// A record's bookkeeping row, new: id, resource, key, scope (visible, not deleted, no conflict).
    let insertRecord: Statement
    /// A record's id and stored scope by resource and key.
    let findRecord: Statement

    init(_ db: Database) throws {
        insertRun = try db.statement("INSERT INTO _rs_version(actor, seq, n, record, scope, link, superseded, body) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        insertRecord = try db.statement("INSERT INTO _rs_record(id, resource, key, scope, visible, deleted, conflicts, outside) VALUES(?, ?, ?, ?, 1, 0, '', 0)")
        findRecord = try db.statement("SELECT id, scope, purged FROM _rs_record WHERE resource = ? AND key = ?")
    }
}
