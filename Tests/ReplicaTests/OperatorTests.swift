import Foundation
import SQLite
import Testing
@testable import Replica

/// The web app's operator accounts: the store (hashing is the Node module's).
@Suite("Operators")
struct OperatorTests {
    static let password = OperatorPassword(iterations: 1000, salt: String(repeating: "ab", count: 16), hash: String(repeating: "cd", count: 32))
    static let other = OperatorPassword(iterations: 2000, salt: String(repeating: "ef", count: 16), hash: String(repeating: "01", count: 32))

    @Test("add, passwd, remove: stored with algorithm, iterations and salt, audited under who did it; step 10 makes the table")
    func lifecycle() throws {
        let path = Fixture.tempDir().appendingPathComponent("community.sqlite").path
        let r = try Fixture.replica("150603002001", path: path)
        let steps = try ReplicaSchema.migrator.applied(r.db)
        let at = { (name: String) in steps.firstIndex(of: name) ?? -10 }
        #expect(at("10-operators") == at("9-consumers") + 1 && at("11-search-index") == at("10-operators") + 1, "\(steps)")
        try r.addOperator(name: "王芳", role: .clerk, password: Self.password, by: "admin")
        let added = try #require(try r.operatorAccount("王芳"))
        #expect(added.role == .clerk && added.password == Self.password && added.createdBy == "admin")
        #expect(added.passwordChangedAt == added.createdAt)
        #expect(try r.operatorAccount("李四") == nil)

        try r.setOperatorPassword(name: "王芳", password: Self.other, by: "admin")
        #expect(try r.operatorAccount("王芳")?.password == Self.other)
        #expect(try r.operators().map(\.name) == ["王芳"])

        try r.removeOperator(name: "王芳", by: "admin")
        #expect(try r.operators().isEmpty)
        let audit = try r.auditEntries(limit: 3)
        #expect(audit.map(\.action) == ["operator_remove", "operator_passwd", "operator_add"])
        #expect(audit.allSatisfy { $0.user == "admin" && $0.detail.contains("operator=王芳") })
        #expect(audit.last?.detail.contains("role=clerk") == true)
        // Only the hash and salt are in the file.
        let db = try Database(path: path)
        #expect(try db.columnNames(of: "_rs_operator") == ["name", "role", "algorithm", "iterations", "salt", "hash",
                                                           "created_at", "created_by", "password_changed_at"])
    }

    @Test("refusals name their field and leave the accounts and the audit log as they were")
    func refusals() throws {
        let r = try Fixture.memoryReplica("150603002001")
        try r.addOperator(name: "王芳", role: .reviewer, password: Self.password)
        let before = (try r.operators(), try r.auditEntries(limit: 1000).count)
        #expect(throws: OperatorError.duplicate("王芳")) { try r.addOperator(name: "王芳", role: .clerk, password: Self.other) }
        #expect(throws: OperatorError.unknown("李四")) { try r.setOperatorPassword(name: "李四", password: Self.other) }
        #expect(throws: OperatorError.unknown("李四")) { try r.removeOperator(name: "李四") }
        for bad in ["", " 王芳", "a\u{0}b", "a\u{202E}b", String(repeating: "名", count: 65)] {
            let error = #expect(throws: OperatorError.self) { try r.addOperator(name: bad, role: .clerk, password: Self.other) }
            #expect(error?.field == "name")
            #expect(error?.messageZh.contains("操作员名称") == true && error?.description.contains("operator name") == true)
        }
        #expect(try r.operators() == before.0)
        #expect(try r.auditEntries(limit: 1000).count == before.1)
        // A role the schema does not know cannot be stored, even by SQL.
        #expect(throws: SQLiteError.self) {
            try r.db.run("INSERT INTO _rs_operator VALUES('x', 'root', 'pbkdf2-sha256', 1, '00', '00', 'now', 'me', 'now')")
        }
    }
}
