import Foundation
import JSON
import SQLite
import Testing
@testable import Replica

@Suite("Audit log")
struct AuditTests {
    @Test func appliedBatchesAreAuditedAndTheLogIsAppendOnly() throws {
        let path = Fixture.tempDir().appendingPathComponent("street.sqlite").path
        let street = try Fixture.replica("150603002", path: path)
        let community = try Fixture.memoryReplica("150603002001")
        try community.put("person", JSONObject([("id_number", .string(Fixture.id(seq: 1))), ("name", "张三"), ("community_code", "150603002001")]))
        let batch = try community.feed(after: 0, limit: 100).map(\.version)
        try street.apply(batch, from: "150603002001", within: Jurisdiction(node: "150603002001"))
        // A replay applies nothing and writes no audit line.
        try street.apply(batch, from: "150603002001", within: Jurisdiction(node: "150603002001"))
        let entries = try street.auditEntries()
        #expect(entries.count == 1)
        #expect(entries.first?.action == "batch_from_child")
        #expect(entries.first?.detail.contains("applied=\(batch.count)") == true)
        #expect(entries.first?.user == "150603002001")
        // Nobody can rewrite history, not even another program on the file.
        let other = try Database(path: path)
        #expect(throws: SQLiteError.self) { try other.execute("UPDATE _rs_audit SET detail = 'x'") }
        #expect(throws: SQLiteError.self) { try other.execute("DELETE FROM _rs_audit") }
        #expect(try street.auditEntries().count == 1)
        #expect(try street.auditEntries(action: "resolve").isEmpty)
    }
}
