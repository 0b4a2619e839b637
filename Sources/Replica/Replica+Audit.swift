import Foundation
import SQLite

extension Replica {
    /// The audit log: every applied batch and every operator action, append-only (triggers
    /// refuse updates and deletes, whoever writes to the file).
    static let auditSchema = """
    CREATE TABLE IF NOT EXISTS _rs_audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, user TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS _rs_audit_no_update BEFORE UPDATE ON _rs_audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS _rs_audit_no_delete BEFORE DELETE ON _rs_audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """

    /// Appends an entry. `user` defaults to the operating-system user running the command.
    public func audit(_ action: String, detail: String, user: String? = nil) throws {
        let who = user ?? Self.operatingSystemUser
        try db.run("INSERT INTO _rs_audit(at, action, detail, user) VALUES(datetime('now'), ?, ?, ?)", action, detail, who)
    }

    /// The operating-system user running the command: who operator actions are audited as.
    static var operatingSystemUser: String {
        ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? ProcessInfo.processInfo.userName
    }

    /// The newest entries first, optionally only one action.
    public func auditEntries(limit: Int = 100, action: String? = nil) throws -> [AuditEntry] {
        return try db.all("""
            SELECT id, at, action, detail, user FROM _rs_audit WHERE ?1 IS NULL OR action = ?1 ORDER BY id DESC LIMIT ?2
            """, action, limit) { AuditEntry(id: $0.int64(0), at: $0.string(1), action: $0.string(2), detail: $0.string(3), user: $0.string(4)) }
    }
}
