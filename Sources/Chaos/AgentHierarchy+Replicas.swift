import SQLite
import TestSupport

extension AgentHierarchy {
    /// Opens a node's replica (or another file, a backup) for reading: another connection, which
    /// WAL lets read while the agents write.
    func database(_ code: String, path: String? = nil) throws -> Database {
        var options = Database.Options()
        options.readOnly = true
        options.create = false
        return try Database(path: path ?? databasePath(code), options: options)
    }
}
