import Foundation
import SQLite

extension Replica {
    /// Step 10 of `ReplicaSchema.migrator`: the web app's operators. Not synced: an account is
    /// valid at the node that made it.
    static let operatorSchema = """
    CREATE TABLE _rs_operator(
        name TEXT PRIMARY KEY NOT NULL,
        role TEXT NOT NULL CHECK(role IN ('clerk', 'reviewer', 'administrator')),
        -- OperatorPassword: algorithm, iteration count, salt and derived key (hex).
        algorithm TEXT NOT NULL, iterations INTEGER NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL, password_changed_at TEXT NOT NULL) WITHOUT ROWID;
    """

    /// Checks an operator name with the rules of consumer names (not empty, at most 64
    /// characters, no control or invisible characters, no white space at either end).
    public static func checkOperatorName(_ name: String) throws {
        do { try checkConsumerName(name) } catch ConsumerError.invalidName(let zh, let en) {
            throw OperatorError.invalidName(zh: zh, en: en)
        }
    }

    /// Creates an account. `user` is who is doing it (the operating-system user by default).
    public func addOperator(name: String, role: OperatorRole, password: OperatorPassword, by user: String? = nil) throws {
        try Self.checkOperatorName(name)
        try db.transaction {
            guard try db.scalarInt("SELECT 1 FROM _rs_operator WHERE name = ?", name) == nil else { throw OperatorError.duplicate(name) }
            let now = Self.isoNow(now())
            try db.run("""
                INSERT INTO _rs_operator(name, role, algorithm, iterations, salt, hash, created_at, created_by, password_changed_at)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, name, role.rawValue, password.algorithm, password.iterations, password.salt, password.hash, now,
                       user ?? Self.operatingSystemUser, now)
            try audit("operator_add", detail: "operator=\(name) role=\(role.rawValue)", user: user)
        }
    }

    /// Replaces an operator's password: sessions signed in with the old one end (the web app
    /// checks the salt on every request).
    public func setOperatorPassword(name: String, password: OperatorPassword, by user: String? = nil) throws {
        try db.transaction {
            guard try db.scalarInt("SELECT 1 FROM _rs_operator WHERE name = ?", name) != nil else { throw OperatorError.unknown(name) }
            try db.run("UPDATE _rs_operator SET algorithm = ?, iterations = ?, salt = ?, hash = ?, password_changed_at = ? WHERE name = ?",
                       password.algorithm, password.iterations, password.salt, password.hash, Self.isoNow(now()), name)
            try audit("operator_passwd", detail: "operator=\(name)", user: user)
        }
    }

    /// Deletes an account; its sessions end at their next request. The audit log keeps its actions.
    public func removeOperator(name: String, by user: String? = nil) throws {
        try db.transaction {
            guard try db.run("DELETE FROM _rs_operator WHERE name = ?", name) == 1 else { throw OperatorError.unknown(name) }
            try audit("operator_remove", detail: "operator=\(name)", user: user)
        }
    }

    /// Every account, by name.
    public func operators() throws -> [OperatorAccount] {
        try db.all("""
            SELECT name, role, algorithm, iterations, salt, hash, created_at, created_by, password_changed_at FROM _rs_operator ORDER BY name
            """) { try Self.operatorAccount($0) }
    }

    /// One account, nil when there is none of that name.
    public func operatorAccount(_ name: String) throws -> OperatorAccount? {
        try db.first("""
            SELECT name, role, algorithm, iterations, salt, hash, created_at, created_by, password_changed_at FROM _rs_operator WHERE name = ?
            """, name) { try Self.operatorAccount($0) }
    }

    private static func operatorAccount(_ row: Row) throws -> OperatorAccount {
        let name = row.string(0)
        guard let role = OperatorRole(rawValue: row.string(1)) else { throw OperatorError.unknownRole(row.string(1)) }
        return OperatorAccount(name: name, role: role,
                               password: OperatorPassword(algorithm: row.string(2), iterations: row.int(3), salt: row.string(4), hash: row.string(5)),
                               createdAt: row.string(6), createdBy: row.string(7), passwordChangedAt: row.string(8))
    }
}
