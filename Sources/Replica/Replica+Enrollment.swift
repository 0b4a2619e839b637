import Foundation
import SQLite

/// Why an enrollment was refused. Redeeming answers 401 with these messages.
public enum EnrollmentError: Error, Equatable, CustomStringConvertible {
    case notAChild(String)
    case unknownToken
    case usedToken
    case expiredToken
    case wrongChild(String)
    case notEnrolled(String)

    public var messageZh: String {
        switch self {
        case .notAChild(let c): "\(c) 不是本节点的下级链路"
        case .unknownToken: "注册令牌无效（未知或已被撤销）"
        case .usedToken: "注册令牌已被使用过；请上级重新生成"
        case .expiredToken: "注册令牌已过期；请上级重新生成"
        case .wrongChild(let c): "注册令牌不是发给节点 \(c) 的"
        case .notEnrolled(let c): "节点 \(c) 尚未注册（没有凭据）"
        }
    }

    public var description: String {
        switch self {
        case .notAChild(let c): "\(c) is not a child link of this node"
        case .unknownToken: "unknown enrollment token (never issued, or revoked)"
        case .usedToken: "the enrollment token was already used; ask the parent for a new one"
        case .expiredToken: "the enrollment token has expired; ask the parent for a new one"
        case .wrongChild(let c): "the enrollment token was not issued for node \(c)"
        case .notEnrolled(let c): "node \(c) has no credential (not enrolled)"
        }
    }
}

extension Replica {
    /// Records a one-time token (given as its SHA-256 hex; the token itself is never stored)
    /// with which `child` can obtain its link credential until `validFor` ms from now.
    /// Returns the expiry in ms since 1970.
    @discardableResult
    public func createEnrollment(child: String, tokenHash: String, validFor milliseconds: Int64) throws -> Int64 {
        guard children.contains(child) else { throw EnrollmentError.notAChild(child) }
        let expires = now() + milliseconds
        try db.transaction {
            try db.run("INSERT INTO _rs_enrollment(token_hash, child, expires_ms) VALUES(?, ?, ?)", tokenHash, child, expires)
            try audit("enroll_create", detail: "child=\(child) expires_ms=\(expires)")
        }
        return expires
    }

    /// Redeems the token whose SHA-256 is `tokenHash` for `child`: when it is unused, unexpired
    /// and was issued for that child, marks it used and stores `credentialHash` as the child's
    /// credential (replacing the old one). The one code path for token checks: the
    /// `/v1/enroll` endpoint and `rootsync up` both come here.
    public func redeemEnrollment(child: String, tokenHash: String, credentialHash: String) throws {
        try db.transaction {
            let row = try db.all("SELECT child, expires_ms, used_ms FROM _rs_enrollment WHERE token_hash = ?", tokenHash) {
                (child: $0.string(0), expires: $0.int64(1), used: !$0.isNull(2))
            }.first
            guard let row else { throw EnrollmentError.unknownToken }
            guard row.child == child else { throw EnrollmentError.wrongChild(child) }
            guard !row.used else { throw EnrollmentError.usedToken }
            let at = now()
            guard row.expires > at else { throw EnrollmentError.expiredToken }
            guard children.contains(child) else { throw EnrollmentError.notAChild(child) }
            try db.run("UPDATE _rs_enrollment SET used_ms = ? WHERE token_hash = ?", at, tokenHash)
            try setChildCredentialHash(child, credentialHash)
            try clearCredentialRotation(child: child)
            try audit("enroll_redeem", detail: "child=\(child)")
        }
    }

    /// Cuts `child` off: forgets its credential and its unused tokens. The server reads the
    /// credential hash on every request, so the old credential is refused at once.
    public func revokeChild(_ child: String) throws {
        guard children.contains(child) else { throw EnrollmentError.notAChild(child) }
        try db.transaction {
            try setChildCredentialHash(child, nil)
            try clearCredentialRotation(child: child)
            try db.run("DELETE FROM _rs_enrollment WHERE child = ? AND used_ms IS NULL", child)
            try audit("enroll_revoke", detail: "child=\(child)")
        }
    }

    /// Unused, unexpired tokens outstanding for `child` (for tests and status).
    public func pendingEnrollments(child: String) throws -> Int {
        return try db.scalarInt("SELECT count(*) FROM _rs_enrollment WHERE child = ? AND used_ms IS NULL AND expires_ms > ?", child, now()) ?? 0
    }
}

/// Enrollment token lifetimes as written on the command line: 30m, 24h, 7d.
public enum EnrollmentExpiry {
    public static func milliseconds(_ text: String) -> Int64? {
        guard let unit = text.last, let n = Int64(text.dropLast()), n > 0 else { return nil }
        let per: Int64
        switch unit {
        case "m": per = 60_000
        case "h": per = 3_600_000
        case "d": per = 86_400_000
        default: return nil
        }
        guard n <= 365 * 86_400_000 / per else { return nil }
        return n * per
    }
}
