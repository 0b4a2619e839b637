import Foundation
import JSON
import SQLite
import Testing
@testable import Agent

/// `rootsync consumer add|list|rotate|revoke` through the real binary.
@Suite("rootsync consumer")
struct ConsumerCommandTests {
    static let district = "150603"

    static func initNode() throws -> String {
        let dir = ReplicaCommandTests.tempDir() + "/node"
        let r = try runProcess(["init", "--dir", dir, "--topology", ReplicaCommandTests.demoTopology, "--node", district])
        #expect(r.code == 0, "\(r.err)")
        return dir
    }

    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The consumer table and the audit log, as the file holds them.
    static func state(_ dir: String) throws -> [String] {
        let db = try Database(path: dir + "/replica.sqlite")
        return try db.all("SELECT name || '|' || ifnull(credential_hash, '') || '|' || ifnull(rotated_at, '') || '|' || ifnull(revoked_at, '') FROM _rs_consumer ORDER BY name") { $0.string(0) }
            + db.all("SELECT action || ' ' || detail FROM _rs_audit ORDER BY id") { $0.string(0) }
    }

    @Test func addListRotateRevoke() throws {
        let dir = try Self.initNode()
        let add = try runProcess(["consumer", "add", "民政局婚姻登记系统", "--dir", dir])
        #expect(add.code == 0, "\(add.err)")
        let credential = Self.lastLine(add.out)
        #expect(credential.utf8.count == 64 && credential.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) },
                "last line: \(credential)")
        #expect(add.out.contains("登记使用方") && add.out.contains("registered consumer"))

        // Only the hash is stored, and it is the credential's SHA-256 (as for child links).
        let db = try Database(path: dir + "/replica.sqlite")
        let stored = try db.first("SELECT credential_hash FROM _rs_consumer WHERE name = ?", "民政局婚姻登记系统") { $0.string(0) }
        #expect(stored != nil && stored != credential)
        #expect(try !String(contentsOfFile: dir + "/replica.sqlite", encoding: .isoLatin1).contains(credential))
        #expect(try db.scalarInt("SELECT count(*) FROM _rs_audit WHERE action = 'consumer_add' AND detail = 'consumer=民政局婚姻登记系统'") == 1)

        let json = try runProcess(["consumer", "add", "health-his", "--dir", dir, "--json"])
        #expect(json.code == 0, "\(json.err)")
        let object = try JSONParser.parse(Self.lastLine(json.out))
        #expect(object["name"]?.stringValue == "health-his")
        #expect(object["credential"]?.stringValue?.utf8.count == 64)

        let list = try runProcess(["consumer", "list", "--dir", dir, "--json"])
        #expect(list.code == 0, "\(list.err)")
        let rows = try list.out.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(rows.map { $0["name"]?.stringValue } == ["health-his", "民政局婚姻登记系统"])
        #expect(rows.allSatisfy { $0["state"]?.stringValue == "active" && $0["credential"] == nil })
        #expect(!list.out.contains(credential))
        let text = try runProcess(["consumer", "list", "--dir", dir])
        #expect(text.out.contains("民政局婚姻登记系统  有效 active"))

        let rotate = try runProcess(["consumer", "rotate", "民政局婚姻登记系统", "--dir", dir])
        #expect(rotate.code == 0, "\(rotate.err)")
        let newCredential = Self.lastLine(rotate.out)
        #expect(newCredential.utf8.count == 64 && newCredential != credential)
        let rotated = try db.first("SELECT credential_hash FROM _rs_consumer WHERE name = ?", "民政局婚姻登记系统") { $0.string(0) }
        #expect(rotated != stored)

        let revoke = try runProcess(["consumer", "revoke", "民政局婚姻登记系统", "--dir", dir])
        #expect(revoke.code == 0, "\(revoke.err)")
        #expect(revoke.out.contains("revoked consumer 民政局婚姻登记系统"))
        let after = try runProcess(["consumer", "list", "--dir", dir, "--json"])
        let states = try after.out.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(states.map { $0["state"]?.stringValue } == ["active", "revoked"])
        #expect(states[1]["revoked_at"]?.stringValue != nil && states[1]["rotated_at"]?.stringValue != nil)
        #expect(try db.all("SELECT action FROM _rs_audit WHERE action LIKE 'consumer_%' ORDER BY id") { $0.string(0) }
                == ["consumer_add", "consumer_add", "consumer_rotate", "consumer_revoke"])
    }

    @Test func badInputIsRefusedBilinguallyAndChangesNothing() throws {
        let dir = try Self.initNode()
        #expect(try runProcess(["consumer", "add", "卫健委", "--dir", dir]).code == 0)
        #expect(try runProcess(["consumer", "add", "公安局", "--dir", dir]).code == 0)
        #expect(try runProcess(["consumer", "revoke", "公安局", "--dir", dir]).code == 0)
        let before = try Self.state(dir)

        let cases: [([String], Int32, String, String)] = [
            (["consumer", "add", "", "--dir", dir], 1, "名称不能为空", "the name is empty"),
            (["consumer", "add", String(repeating: "x", count: 65), "--dir", dir], 1, "最长 64 个字符", "at most 64"),
            (["consumer", "add", "卫健\u{1B}[31m委", "--dir", dir], 1, "U+001B", "U+001B"),
            (["consumer", "add", "卫健委", "--dir", dir], 1, "已经登记过", "already registered"),
            (["consumer", "add", "公安局", "--dir", dir], 1, "已经登记过", "already registered"),
            (["consumer", "rotate", "教育局", "--dir", dir], 3, "没有名为“教育局”的使用方", "no consumer named '教育局'"),
            (["consumer", "revoke", "教育局", "--dir", dir], 3, "没有名为“教育局”的使用方", "no consumer named '教育局'"),
            (["consumer", "rotate", "公安局", "--dir", dir], 1, "已被吊销", "is revoked"),
            (["consumer", "revoke", "公安局", "--dir", dir], 1, "已被吊销", "is revoked"),
        ]
        for (arguments, code, zh, en) in cases {
            let r = try runProcess(arguments)
            #expect(r.code == code, "\(arguments): \(r.err)")
            #expect(r.err.contains(zh) && r.err.contains(en), "\(arguments): \(r.err)")
            #expect(r.err.contains("字段 name") && r.err.contains("field name"), "\(arguments): \(r.err)")
            #expect(r.out.isEmpty, "\(arguments) printed: \(r.out)")
        }
        let json = try runProcess(["consumer", "add", "", "--dir", dir, "--json"])
        let error = try JSONParser.parse(json.err.split(separator: "\n").last.map(String.init) ?? "")
        #expect(error["field"]?.stringValue == "name" && error["message_en"]?.stringValue?.contains("empty") == true)
        #expect(try runProcess(["consumer", "add", "--dir", dir]).code == 2)
        #expect(try Self.state(dir) == before)
    }
}
