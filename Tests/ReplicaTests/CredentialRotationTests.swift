import Foundation
import SQLite
import Testing
@testable import Replica

/// The parent's record of a child's credentials during a rotation, with the clock moved by hand.
@Suite("Credential rotation at the parent replica")
struct CredentialRotationTests {
    static let community = "150603002001"

    static func parent() throws -> Replica {
        let r = try Fixture.replica("150603002")
        try r.setLinks(parent: "150603", children: [community, "150603002002"])
        return r
    }

    @Test("the old hash stays valid for the overlap after the new one is first used, then expires")
    func overlapExpires() throws {
        let r = try Self.parent()
        var clock: Int64 = 1_000_000
        r.now = { clock }
        try r.setChildCredentialHash(Self.community, "old")
        try r.beginCredentialRotation(child: Self.community, newHash: "new")
        #expect(try r.childCredentials(Self.community) == ChildCredentials(current: "old", next: "new", nextIssuedMilliseconds: 1_000_000))
        clock += 5_000
        try r.completeCredentialRotation(child: Self.community, newHash: "new")
        let until = clock + Replica.credentialOverlapMilliseconds
        #expect(try r.childCredentials(Self.community) == ChildCredentials(current: "new", previous: "old", previousUntilMilliseconds: until))
        // Completing again (a second request with the new one) changes nothing.
        try r.completeCredentialRotation(child: Self.community, newHash: "new")
        #expect(try r.childCredentials(Self.community).previousUntilMilliseconds == until)
        clock = until
        #expect(try r.childCredentials(Self.community) == ChildCredentials(current: "new"))
    }

    @Test("a new credential never used is dropped after a day; the current one stays")
    func pendingExpires() throws {
        let r = try Self.parent()
        var clock: Int64 = 1_000_000
        r.now = { clock }
        try r.setChildCredentialHash(Self.community, "old")
        try r.beginCredentialRotation(child: Self.community, newHash: "new")
        clock += Replica.pendingCredentialMilliseconds
        #expect(try r.childCredentials(Self.community) == ChildCredentials(current: "old"))
        try r.completeCredentialRotation(child: Self.community, newHash: "new")
        #expect(try r.childCredentialHash(Self.community) == "old", "an expired new credential must not become current")
    }

    @Test("rotation needs an enrolled child; revoke and re-enrolment forget the rotation")
    func revokeForgetsRotation() throws {
        let r = try Self.parent()
        #expect(throws: EnrollmentError.notEnrolled(Self.community)) { try r.beginCredentialRotation(child: Self.community, newHash: "x") }
        #expect(throws: EnrollmentError.notAChild("150603001001")) { try r.beginCredentialRotation(child: "150603001001", newHash: "x") }
        try r.setChildCredentialHash(Self.community, "old")
        try r.beginCredentialRotation(child: Self.community, newHash: "new")
        try r.completeCredentialRotation(child: Self.community, newHash: "new")
        try r.beginCredentialRotation(child: Self.community, newHash: "newer")
        try r.revokeChild(Self.community)
        #expect(try r.childCredentials(Self.community) == ChildCredentials())
        // Re-enrolment replaces everything with the one redeemed credential.
        try r.setChildCredentialHash(Self.community, "a")
        try r.beginCredentialRotation(child: Self.community, newHash: "b")
        try r.createEnrollment(child: Self.community, tokenHash: "t", validFor: 60_000)
        try r.redeemEnrollment(child: Self.community, tokenHash: "t", credentialHash: "c")
        #expect(try r.childCredentials(Self.community) == ChildCredentials(current: "c"))
        let actions = try r.auditEntries(limit: 100).map(\.action)
        #expect(actions.contains("credential_rotate_issue") && actions.contains("credential_rotated"))
    }
}
