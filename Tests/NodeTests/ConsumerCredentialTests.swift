import Catalogue
import Crypto
import Foundation
import Node
import Replica
import Standards
import Testing

/// A consumer's credential is made once, stored as its hash (as child links' are), replaced by
/// a rotation and refused after a revocation.
@Suite("consumer credentials")
struct ConsumerCredentialTests {
    static func replica() throws -> Replica {
        try Replica.create(path: ":memory:", node: NodeIdentity(code: "150603", name: "康巴什区", level: .district, parent: "150600"),
                           catalogue: try Catalogue.bundledDefault(), divisions: DivisionTable.bundled)
    }

    @Test func addRotateRevoke() throws {
        let r = try Self.replica()
        let first = try ConsumerCredentials.add(r, name: "民政局婚姻登记系统", by: "王芳")
        #expect(Enrollment.isCredential(first))
        #expect(try ConsumerCredentials.check(r, credential: first) == "民政局婚姻登记系统")
        #expect(try r.consumer(credentialHash: Crypto.credentialHash(first)) == "民政局婚姻登记系统")
        #expect(try ConsumerCredentials.check(r, credential: Crypto.newToken()) == nil)
        #expect(try ConsumerCredentials.check(r, credential: Crypto.credentialHash(first)) == nil)
        #expect(try ConsumerCredentials.check(r, credential: "") == nil)

        let second = try ConsumerCredentials.rotate(r, name: "民政局婚姻登记系统")
        #expect(second != first)
        #expect(try ConsumerCredentials.check(r, credential: first) == nil)
        #expect(try ConsumerCredentials.check(r, credential: second) == "民政局婚姻登记系统")

        try r.revokeConsumer(name: "民政局婚姻登记系统")
        #expect(try ConsumerCredentials.check(r, credential: second) == nil)
        #expect(throws: ConsumerError.revoked("民政局婚姻登记系统")) { try ConsumerCredentials.rotate(r, name: "民政局婚姻登记系统") }
    }
}
