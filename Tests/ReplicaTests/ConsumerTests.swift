import Foundation
import SQLite
import Testing
@testable import Replica

/// Consumers (departments' systems) registered at a node: the store.
@Suite("Consumers")
struct ConsumerTests {
    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    /// What a refusal must leave unchanged: the consumers and the audit log.
    static func snapshot(_ r: Replica) throws -> ([Consumer], Int) {
        (try r.consumers(), try r.auditEntries(limit: 10_000).count)
    }

    @Test func addRotateRevokeAreStoredHashedAndAudited() throws {
        let path = Fixture.tempDir().appendingPathComponent("street.sqlite").path
        let r = try Fixture.replica("150603002", path: path)
        try r.addConsumer(name: "民政局婚姻登记系统", credentialHash: Self.hashA, by: "王芳")
        #expect(try r.consumer(credentialHash: Self.hashA) == "民政局婚姻登记系统")
        #expect(try r.consumer(credentialHash: Self.hashB) == nil)
        let added = try r.consumers()
        #expect(added.count == 1 && added[0].isActive && added[0].createdBy == "王芳" && added[0].rotatedAt == nil)

        try r.rotateConsumer(name: "民政局婚姻登记系统", credentialHash: Self.hashB)
        #expect(try r.consumer(credentialHash: Self.hashA) == nil)
        #expect(try r.consumer(credentialHash: Self.hashB) == "民政局婚姻登记系统")
        #expect(try r.consumers()[0].rotatedAt != nil)

        try r.revokeConsumer(name: "民政局婚姻登记系统")
        #expect(try r.consumer(credentialHash: Self.hashB) == nil)
        let revoked = try r.consumers()
        #expect(revoked.count == 1 && !revoked[0].isActive && revoked[0].revokedAt != nil)
        // Only hashes, never credentials, are in the file; a revoked consumer has none.
        let db = try Database(path: path)
        #expect(try db.scalarInt("SELECT count(*) FROM _rs_consumer WHERE credential_hash IS NULL") == 1)

        let actions = try r.auditEntries().map(\.action)
        #expect(actions.prefix(3) == ["consumer_revoke", "consumer_rotate", "consumer_add"])
        let entry = try r.auditEntries(action: "consumer_add")[0]
        #expect(entry.detail == "consumer=民政局婚姻登记系统" && entry.user == "王芳")
    }

    @Test func theTableIsMadeByANamedMigrationStep() throws {
        let path = Fixture.tempDir().appendingPathComponent("community.sqlite").path
        _ = try Fixture.replica("150603002001", path: path)
        let db = try Database(path: path)
        let steps = try ReplicaSchema.migrator.applied(db)
        // Step 9, right after the storage upgrade (later steps follow it).
        #expect(steps.firstIndex(of: "9-consumers") == steps.firstIndex(of: "8-storage-v2").map { $0 + 1 })
        #expect(try db.tableExists("_rs_consumer"))
    }

    @Test(arguments: [
        ("", "名称不能为空", "empty"),
        ("   ", "名称不能为空", "empty"),
        (String(repeating: "民", count: 65), "最长 64 个字符", "at most 64"),
        ("民政局\t系统", "U+0009", "U+0009"),
        ("民政局\n系统", "U+000A", "U+000A"),
        ("civil\u{202E}affairs", "U+202E", "U+202E"),
        ("civil\u{7F}", "U+007F", "U+007F"),
        (" 民政局", "首尾不能有空白", "white space"),
        ("民政局\u{3000}", "首尾不能有空白", "white space"),
    ])
    func badNamesAreRefusedNamingTheField(name: String, zh: String, en: String) throws {
        let r = try Fixture.memoryReplica("150603002")
        try r.addConsumer(name: "卫健委", credentialHash: Self.hashA)
        let before = try Self.snapshot(r)
        do {
            try r.addConsumer(name: name, credentialHash: Self.hashB)
            Issue.record("accepted \(name.debugDescription)")
        } catch let error as ConsumerError {
            guard case .invalidName = error else { Issue.record("\(error)"); return }
            #expect(error.field == "name")
            #expect(error.messageZh.contains("字段 name") && error.messageZh.contains(zh), "\(error.messageZh)")
            #expect(error.description.contains("field name") && error.description.contains(en), "\(error.description)")
        }
        let after = try Self.snapshot(r)
        #expect(after.0 == before.0 && after.1 == before.1)
    }

    @Test func sixtyFourCharactersAreEnough() throws {
        let r = try Fixture.memoryReplica("150603002")
        try r.addConsumer(name: String(repeating: "民", count: 64), credentialHash: Self.hashA)
        try r.addConsumer(name: "公安局 人口管理系统 (v2)", credentialHash: Self.hashB)
        #expect(try r.consumers().count == 2)
    }

    @Test func duplicateUnknownAndRevokedNamesChangeNothing() throws {
        let r = try Fixture.memoryReplica("150603002")
        try r.addConsumer(name: "卫健委", credentialHash: Self.hashA)
        let before = try Self.snapshot(r)
        #expect(throws: ConsumerError.duplicate("卫健委")) { try r.addConsumer(name: "卫健委", credentialHash: Self.hashB) }
        #expect(throws: ConsumerError.unknown("公安局")) { try r.rotateConsumer(name: "公安局", credentialHash: Self.hashB) }
        #expect(throws: ConsumerError.unknown("公安局")) { try r.revokeConsumer(name: "公安局") }
        var after = try Self.snapshot(r)
        #expect(after.0 == before.0 && after.1 == before.1)
        #expect(try r.consumer(credentialHash: Self.hashA) == "卫健委")

        try r.revokeConsumer(name: "卫健委")
        let revoked = try Self.snapshot(r)
        #expect(throws: ConsumerError.revoked("卫健委")) { try r.revokeConsumer(name: "卫健委") }
        #expect(throws: ConsumerError.revoked("卫健委")) { try r.rotateConsumer(name: "卫健委", credentialHash: Self.hashB) }
        #expect(throws: ConsumerError.duplicate("卫健委")) { try r.addConsumer(name: "卫健委", credentialHash: Self.hashB) }
        after = try Self.snapshot(r)
        #expect(after.0 == revoked.0 && after.1 == revoked.1)
        #expect(try r.consumer(credentialHash: Self.hashB) == nil)
        #expect(ConsumerError.duplicate("卫健委").messageZh.contains("字段 name"))
        #expect(ConsumerError.unknown("公安局").description.contains("field name"))
    }
}
