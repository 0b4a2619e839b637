import Foundation
import SQLite
import Testing
@testable import Replica

@Suite("Enrollment tokens at the parent replica")
struct EnrollmentTests {
    static let street = "150603002"
    static let community = "150603002001"
    static let other = "150603002002"

    /// Hashes here are stand-ins: the replica stores whatever hash it is given, never the token.
    static func parent() throws -> Replica {
        let r = try Fixture.replica(street)
        try r.setLinks(parent: "150603", children: [community, other])
        return r
    }

    @Test("only the token's hash is stored, with child and expiry; redeeming stores the credential hash")
    func storesHashes() throws {
        let r = try Self.parent()
        r.now = { 1_000_000 }
        let expires = try r.createEnrollment(child: Self.community, tokenHash: "hash-of-token", validFor: 60_000)
        #expect(expires == 1_060_000)
        let rows = try r.db.all("SELECT token_hash, child, expires_ms, used_ms FROM _rs_enrollment") {
            [$0.string(0), $0.string(1), String($0.int64(2)), $0.isNull(3) ? "null" : "used"]
        }
        #expect(rows == [["hash-of-token", Self.community, "1060000", "null"]])
        #expect(try r.pendingEnrollments(child: Self.community) == 1)
        try r.redeemEnrollment(child: Self.community, tokenHash: "hash-of-token", credentialHash: "cred-hash")
        #expect(try r.childCredentialHash(Self.community) == "cred-hash")
        #expect(try r.pendingEnrollments(child: Self.community) == 0)
        let audit = try r.db.all("SELECT action, detail FROM _rs_audit ORDER BY id") { $0.string(0) + " " + $0.string(1) }
        #expect(audit == ["enroll_create child=\(Self.community) expires_ms=1060000", "enroll_redeem child=\(Self.community)"])
    }

    @Test("a token works once; a second redemption is refused and keeps the credential")
    func oneTimeUse() throws {
        let r = try Self.parent()
        try r.createEnrollment(child: Self.community, tokenHash: "t1", validFor: 60_000)
        try r.redeemEnrollment(child: Self.community, tokenHash: "t1", credentialHash: "c1")
        #expect(throws: EnrollmentError.usedToken) {
            try r.redeemEnrollment(child: Self.community, tokenHash: "t1", credentialHash: "c2")
        }
        #expect(try r.childCredentialHash(Self.community) == "c1")
        // A new token rotates the credential.
        try r.createEnrollment(child: Self.community, tokenHash: "t2", validFor: 60_000)
        try r.redeemEnrollment(child: Self.community, tokenHash: "t2", credentialHash: "c2")
        #expect(try r.childCredentialHash(Self.community) == "c2")
    }

    @Test("an expired token is refused")
    func expiry() throws {
        let r = try Self.parent()
        var clock: Int64 = 5_000
        r.now = { clock }
        try r.createEnrollment(child: Self.community, tokenHash: "t", validFor: 1_000)
        clock = 6_000
        #expect(throws: EnrollmentError.expiredToken) {
            try r.redeemEnrollment(child: Self.community, tokenHash: "t", credentialHash: "c")
        }
        #expect(try r.childCredentialHash(Self.community) == nil)
        #expect(EnrollmentExpiry.milliseconds("30m") == 1_800_000)
        #expect(EnrollmentExpiry.milliseconds("24h") == 86_400_000)
        #expect(EnrollmentExpiry.milliseconds("7d") == 604_800_000)
        for bad in ["", "h", "0h", "-1h", "5s", "24", "1000d", "1.5h"] { #expect(EnrollmentExpiry.milliseconds(bad) == nil, "\(bad)") }
    }

    @Test("a token is only for its child; unknown tokens and non-children are refused")
    func wrongChild() throws {
        let r = try Self.parent()
        try r.createEnrollment(child: Self.community, tokenHash: "t", validFor: 60_000)
        #expect(throws: EnrollmentError.wrongChild(Self.other)) {
            try r.redeemEnrollment(child: Self.other, tokenHash: "t", credentialHash: "c")
        }
        #expect(try r.childCredentialHash(Self.other) == nil)
        #expect(throws: EnrollmentError.unknownToken) {
            try r.redeemEnrollment(child: Self.community, tokenHash: "nope", credentialHash: "c")
        }
        #expect(throws: EnrollmentError.notAChild("150603003001")) {
            try r.createEnrollment(child: "150603003001", tokenHash: "x", validFor: 60_000)
        }
        // The refused attempts did not use it up.
        try r.redeemEnrollment(child: Self.community, tokenHash: "t", credentialHash: "c")
        #expect(try r.childCredentialHash(Self.community) == "c")
    }

    @Test("revoke clears the credential and unused tokens, and is audited")
    func revoke() throws {
        let r = try Self.parent()
        try r.createEnrollment(child: Self.community, tokenHash: "t1", validFor: 60_000)
        try r.redeemEnrollment(child: Self.community, tokenHash: "t1", credentialHash: "c1")
        try r.createEnrollment(child: Self.community, tokenHash: "t2", validFor: 60_000)
        try r.createEnrollment(child: Self.other, tokenHash: "t3", validFor: 60_000)
        try r.revokeChild(Self.community)
        #expect(try r.childCredentialHash(Self.community) == nil)
        #expect(throws: EnrollmentError.unknownToken) {
            try r.redeemEnrollment(child: Self.community, tokenHash: "t2", credentialHash: "c2")
        }
        #expect(try r.pendingEnrollments(child: Self.other) == 1, "another child's token stays")
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_audit WHERE action = 'enroll_revoke'") == 1)
        #expect(throws: EnrollmentError.notAChild("150603003001")) { try r.revokeChild("150603003001") }
    }

    @Test("a replica made before the enrollment table existed gets it when opened")
    func oldReplica() throws {
        let old = try Self.parent()
        // As a release before the enrollment table left it (the full upgrade of an old release's
        // replica is UpgradeTests, on a committed fixture).
        try old.db.execute("DROP TABLE _rs_enrollment; DELETE FROM _rs_migration WHERE identifier = '1-bookkeeping'")
        let r = try Replica.open(path: old.path, divisions: Fixture.divisions)
        #expect(try r.db.tableExists("_rs_enrollment"))
        #expect(try ReplicaSchema.migrator.pending(r.db).isEmpty)
        #expect(try r.pendingEnrollments(child: Self.community) == 0)
        try r.createEnrollment(child: Self.community, tokenHash: "t", validFor: 60_000)
    }
}
