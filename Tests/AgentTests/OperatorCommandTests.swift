import Foundation
import JSON
import Node
import Replica
import SQLite
import Testing
@testable import Agent

/// `rootsync operator add|passwd|remove|list`: the web app's accounts.
@Suite("rootsync operator")
struct OperatorCommandTests {
    static func initNode() throws -> String {
        let dir = ReplicaCommandTests.tempDir() + "/node"
        let r = runCLI(["init", "--dir", dir, "--topology", ReplicaCommandTests.demoTopology, "--node", "150603002001"])
        #expect(r.code == .success, "\(r.err)")
        return dir
    }

    /// The operator rows and the audit log's operator entries, as the file holds them.
    static func state(_ dir: String) throws -> [String] {
        let db = try Database(path: dir + "/replica.sqlite")
        return try db.all("SELECT name || '|' || role || '|' || salt || '|' || hash FROM _rs_operator ORDER BY name") { $0.string(0) }
            + db.all("SELECT action || ' ' || detail FROM _rs_audit WHERE action LIKE 'operator_%' ORDER BY id") { $0.string(0) }
    }

    @Test("add reads the password from standard input and stores a PBKDF2 hash; list shows no secret; passwd and remove; all audited")
    func lifecycle() throws {
        let dir = try Self.initNode()
        let add = runCLI(["operator", "add", "王芳", "--role", "clerk", "--dir", dir], stdin: "zhujiang-2026\n")
        #expect(add.code == .success, "\(add.err)")
        #expect(add.out.contains("添加操作员 王芳") && add.out.contains("added operator 王芳 (clerk)"))
        let replica = try Replica.open(path: dir + "/replica.sqlite", divisions: .bundled)
        let stored = try #require(try replica.operatorAccount("王芳")).password
        #expect(stored.algorithm == "pbkdf2-sha256" && stored.iterations == OperatorPasswords.iterations)
        #expect(stored.salt.count == 32 && stored.hash.count == 64)
        #expect(try OperatorPasswords.verify("zhujiang-2026", against: stored, operator: "王芳"))
        #expect(try !OperatorPasswords.verify("zhujiang-2026\n", against: stored, operator: "王芳"), "the line ending is not part of it")

        let json = runCLI(["operator", "add", "李主任", "--role", "administrator", "--dir", dir, "--json"], stdin: "admin password\r\n")
        #expect(json.code == .success)
        #expect(try json.jsonLines() == [["name": "李主任", "role": "administrator", "node": "150603002001"]])
        let list = runCLI(["operator", "list", "--dir", dir, "--json"])
        let rows = try list.jsonLines()
        #expect(rows.compactMap { $0["name"]?.stringValue } == ["李主任", "王芳"])
        #expect(rows.allSatisfy { $0["salt"] == nil && $0["hash"] == nil && $0["created_by"] != nil })
        #expect(!list.out.contains(stored.hash) && !runCLI(["operator", "list", "--dir", dir]).out.contains(stored.salt))

        let passwd = runCLI(["operator", "passwd", "王芳", "--dir", dir], stdin: "a-new-password\n")
        #expect(passwd.code == .success, "\(passwd.err)")
        let changed = try #require(try replica.operatorAccount("王芳")).password
        #expect(changed.salt != stored.salt)
        #expect(try OperatorPasswords.verify("a-new-password", against: changed, operator: "王芳"))
        #expect(runCLI(["operator", "remove", "李主任", "--dir", dir]).code == .success)
        #expect(try replica.operators().map(\.name) == ["王芳"])
        #expect(try Self.state(dir).filter { $0.hasPrefix("operator_") } == [
            "operator_add operator=王芳 role=clerk", "operator_add operator=李主任 role=administrator",
            "operator_passwd operator=王芳", "operator_remove operator=李主任"])
    }

    @Test("refusals name the field, use the usual exit codes and change nothing")
    func refusals() throws {
        let dir = try Self.initNode()
        #expect(runCLI(["operator", "add", "王芳", "--role", "clerk", "--dir", dir], stdin: "zhujiang-2026\n").code == .success)
        let before = try Self.state(dir)
        func refused(_ args: [String], stdin: String = "", _ code: ExitCode, field: String?) {
            let r = runCLI(args + ["--dir", dir, "--json"], stdin: stdin)
            #expect(r.code == code, "\(args): \(r.err)")
            if let field {
                #expect(r.err.contains("\"field\":\"\(field)\""), "\(args): \(r.err)")
            }
        }
        refused(["operator", "add", "李四", "--role", "clerk"], .failure, field: "password")
        refused(["operator", "add", "李四", "--role", "clerk"], stdin: "\n", .failure, field: "password")
        refused(["operator", "add", "李四", "--role", "clerk"], stdin: "short\n", .failure, field: "password")
        refused(["operator", "add", "李四", "--role", "clerk"], stdin: "李四\n", .failure, field: "password")
        refused(["operator", "add", "王芳", "--role", "clerk"], stdin: "another-password\n", .failure, field: "name")
        refused(["operator", "add", " 李四", "--role", "clerk"], stdin: "another-password\n", .failure, field: "name")
        refused(["operator", "add", "李四", "--role", "root"], stdin: "another-password\n", .usage, field: nil)
        refused(["operator", "add", "李四"], stdin: "another-password\n", .usage, field: nil)
        refused(["operator", "passwd", "李四"], stdin: "another-password\n", .notFound, field: "name")
        refused(["operator", "remove", "李四"], .notFound, field: "name")
        #expect(try Self.state(dir) == before)
        let usage = runCLI(["operator", "add", "李四", "--role", "root", "--dir", dir])
        #expect(usage.err.contains("clerk") && usage.err.contains("reviewer") && usage.err.contains("administrator"))
    }
}
