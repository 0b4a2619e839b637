import Foundation
import SQLite

/// A child's link credentials at the parent while it rotates: the current one, a new one issued
/// but not yet used (`next`), and, for a while after the new one was first used, the old one
/// (`previous`), so requests already under way with it keep working. All as SHA-256 hex.
public struct ChildCredentials: Sendable, Equatable {
    public var current: String?
    public var next: String?
    public var nextIssuedMilliseconds: Int64?
    public var previous: String?
    public var previousUntilMilliseconds: Int64?
}

extension Replica {
    /// How long the old credential keeps working after the child first used its new one.
    public static let credentialOverlapMilliseconds: Int64 = 10 * 60 * 1000
    /// How long a new credential waits for its first use before it is dropped (the old one
    /// stays the current one; the child can rotate again).
    public static let pendingCredentialMilliseconds: Int64 = 24 * 60 * 60 * 1000

    static let credentialRotationSchema = """
    CREATE TABLE IF NOT EXISTS _rs_credential_rotation(
        child TEXT PRIMARY KEY,
        next_hash TEXT, next_issued_ms INTEGER,
        previous_hash TEXT, previous_until_ms INTEGER) WITHOUT ROWID;
    """

    /// Every credential hash `child` may authenticate with right now (expired ones left out).
    public func childCredentials(_ child: String) throws -> ChildCredentials {
        var result = ChildCredentials(current: try childCredentialHash(child))
        let at = now()
        _ = try db.first("SELECT next_hash, next_issued_ms, previous_hash, previous_until_ms FROM _rs_credential_rotation WHERE child = ?", child) { row in
            if !row.isNull(0), row.int64(1) + Self.pendingCredentialMilliseconds > at {
                result.next = row.string(0)
                result.nextIssuedMilliseconds = row.int64(1)
            }
            if !row.isNull(2), row.int64(3) > at {
                result.previous = row.string(2)
                result.previousUntilMilliseconds = row.int64(3)
            }
        }
        return result
    }

    /// Issues a new credential (its hash) for `child` beside the current one, which keeps
    /// working. Replaces a new credential issued earlier and never used. Needs a current credential.
    public func beginCredentialRotation(child: String, newHash: String) throws {
        guard children.contains(child) else { throw EnrollmentError.notAChild(child) }
        try db.transaction {
            guard try childCredentialHash(child) != nil else { throw EnrollmentError.notEnrolled(child) }
            try db.run("""
                INSERT INTO _rs_credential_rotation(child, next_hash, next_issued_ms) VALUES(?1, ?2, ?3)
                ON CONFLICT(child) DO UPDATE SET next_hash = ?2, next_issued_ms = ?3
                """, child, newHash, now())
            try audit("credential_rotate_issue", detail: "child=\(child)")
        }
    }

    /// The child used its new credential: it becomes the current one, and the old one keeps
    /// working for `credentialOverlapMilliseconds`. Does nothing unless `newHash` is still pending.
    public func completeCredentialRotation(child: String, newHash: String) throws {
        try db.transaction {
            guard try childCredentials(child).next == newHash else { return }
            let old = try childCredentialHash(child)
            try setChildCredentialHash(child, newHash)
            try db.run("""
                UPDATE _rs_credential_rotation SET next_hash = NULL, next_issued_ms = NULL,
                    previous_hash = ?2, previous_until_ms = ?3 WHERE child = ?1
                """, child, old, now() + Self.credentialOverlapMilliseconds)
            try audit("credential_rotated", detail: "child=\(child) old_valid_until_ms=\(now() + Self.credentialOverlapMilliseconds)")
        }
    }

    /// Forgets every credential of `child` but the current one (revoke, re-enrolment).
    func clearCredentialRotation(child: String) throws {
        try db.run("DELETE FROM _rs_credential_rotation WHERE child = ?", child)
    }
}
