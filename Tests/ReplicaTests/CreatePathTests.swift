import Foundation
import JSON
import SQLite
import Testing
import TestSupport
@testable import Replica

/// The one-pass create path (`createLocal`) must store exactly what the general path
/// (`insertVersion` + `refresh`) stores for a record new here: the same versions, rows,
/// bookkeeping, routes and have-vector. Two replicas take the same random writes, one with the
/// create path and one without, and are compared table by table.
@Suite("One-pass create path")
struct CreatePathTests {
    static let communities = ["150603002001", "150603002002", "150603002"]
    static let tagChoices = ["低保", "独居老人", "残疾", "退役军人"]

    /// A random new person: required fields always, the others sometimes, tags as any subset
    /// (sometimes repeated or empty), sometimes code-set labels instead of codes.
    static func person(_ g: inout SplitMix64, seq: Int) -> JSONObject {
        let id = Fixture.id(birth: "19\(70 + g.int(0..<30))0\(1 + g.int(0..<9))1\(g.int(0..<9))", seq: seq)
        var o = JSONObject([("id_number", .string(id)), ("name", .string(["张三", "李四", " 王五 ", "赵六"][g.int(0..<4)])),
                            ("community_code", .string(communities[g.int(0..<communities.count)]))])
        if g.int(0..<2) == 0 { o.append("phone", .string("13\(String(format: "%09d", g.int(0..<1_000_000_000)))")) }
        if g.int(0..<3) == 0 { o.append("sex", .string((Int(String(id.dropLast().last!))! % 2 == 1) ? "1" : "2")) }
        if g.int(0..<3) == 0 { o.append("residence_address", .string("康巴什区青春山街道\(g.int(0..<100))号")) }
        if g.int(0..<4) == 0 { o.append("marital_status", .string(["10", "20", "已婚"][g.int(0..<3)])) }
        if g.int(0..<4) == 0 { o.append("household_address", .null) }
        if g.int(0..<3) == 0 {
            let tags = (0..<g.int(0..<4)).map { _ in JSONValue.string(tagChoices[g.int(0..<tagChoices.count)]) }
            o.append("tags", .array(tags))
        }
        return o
    }

    /// Everything a replica stores about its records, in a form two replicas can be compared by.
    static func dump(_ r: Replica) throws -> [String] {
        var out: [String] = []
        for sql in ["SELECT id, actor, seq, n, record, scope, link, superseded FROM _rs_version ORDER BY id",
                    "SELECT id, resource, key, scope, visible, deleted, conflicts, outside FROM _rs_record ORDER BY id",
                    "SELECT * FROM person ORDER BY id_number", "SELECT id, child, version FROM _rs_route ORDER BY id",
                    "SELECT actor, seq FROM _rs_have ORDER BY actor", "SELECT resource, key FROM _rs_invalid ORDER BY key",
                    "SELECT name, value FROM _rs_meta WHERE name <> 'database_id' ORDER BY name"] {
            try r.db.forEach(sql) { row in
                out.append(sql.prefix(30) + ": " + (0..<row.count).map { row.value($0).description }.joined(separator: "|"))
            }
        }
        // Bodies name groups by interned ids, which each replica assigns in its own order: compare
        // the versions decoded instead.
        for key in try r.db.all("SELECT key FROM _rs_record ORDER BY id", map: { $0.string(0) }) {
            for v in try r.allVersions("person", key) {
                out.append("\(v.version.group) \(v.version.dot) \(v.version.vector) \(v.version.hlc) \(JSONValue.object(v.version.values).text) \(v.version.scope) \(v.current) \(v.link)")
            }
        }
        return out
    }

    @Test("a random mix of new records, updates and captured rows stores the same on both paths")
    func samePathResults() throws {
        let seed = TestSeed.value(default: UInt64(Date().timeIntervalSince1970))
        var g = SplitMix64(seed: seed)
        let replicas = try [Fixture.replica("150603002"), Fixture.replica("150603002")]
        replicas[1].createsInOnePass = false
        var clock: Int64 = 1_780_000_000_000
        for r in replicas {
            try r.setLinks(parent: "150603", children: ["150603002001", "150603002002"])
            r.useCapturedWriteTimes = false  // (the trigger's time is the real clock's, different on each)
        }
        var seq = 0
        for round in 0..<6 {
            var batch: [(line: Int, patch: JSONObject)] = []
            for i in 0..<(5 + g.int(0..<20)) {
                seq += 1
                batch.append((i + 1, Self.person(&g, seq: seq)))
            }
            // Sometimes an update of a record written before, in the same batch as new ones.
            if seq > 3 && g.int(0..<2) == 0 {
                let id = Fixture.id(seq: 1)
                batch.append((batch.count + 1, JSONObject([("id_number", .string(id)), ("phone", .string("13900000000"))])))
            }
            clock += 1_000
            let now = clock
            var results: [[WriteResult]] = []
            for r in replicas {
                r.now = { now }
                results.append((try? r.putAll("person", batch)) ?? [])
            }
            #expect(results[0] == results[1], "seed \(seed), round \(round)")
            // A row another program inserts, captured by the trigger.
            seq += 1
            let id = Fixture.id(birth: "19881231", seq: seq)
            for r in replicas {
                try r.db.run("INSERT INTO person(id_number, name, community_code, tags) VALUES(?, ?, ?, ?)",
                             id, "外部写入", "150603002001", round % 2 == 0 ? #"["残疾","低保"]"# : nil)
                _ = try r.captureExternalWrites()
            }
        }
        let dumps = try replicas.map(Self.dump)
        #expect(dumps[0].count == dumps[1].count, "seed \(seed)")
        for (a, b) in zip(dumps[0], dumps[1]) where a != b {
            Issue.record("seed \(seed): the create path stored\n  \(a)\nthe general path\n  \(b)")
            break
        }
        #expect(try replicas[0].db.scalarInt("SELECT count(*) FROM _rs_route") ?? 0 > 0, "seed \(seed): routes were written")
    }
}
