import Causality
import Foundation
import JSON
import SQLite
import Testing
import TestSupport
@testable import Replica

/// Storage v2: the binary encoding of vectors and values, and the write session.
@Suite("Storage v2")
struct StorageTests {
    static func randomValue(_ g: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch g.int(0..<(depth > 2 ? 5 : 7)) {
        case 0: return .null
        case 1: return .bool(g.int(0..<2) == 1)
        case 2: return .string(["", "张三", "150603002001", "a\u{0}b", "🙂", String(repeating: "x", count: 300)][g.int(0..<6)])
        case 3: return .number(["0", "-1", "9007199254740991", "3.25", "1e3"][g.int(0..<5)])
        case 4: return .string(String(g.next()))
        case 5: return .array((0..<g.int(0..<4)).map { _ in randomValue(&g, depth: depth + 1) })
        default:
            return .object(JSONObject((0..<g.int(0..<4)).map { i in ("k\(i)", randomValue(&g, depth: depth + 1)) }))
        }
    }

    static func decodeValues(_ bytes: [UInt8]) throws -> JSONObject {
        try bytes.withUnsafeBytes { try StorageCodec.decodeValues($0) }
    }

    @Test("values and vectors round-trip exactly (field order, numbers as written, nesting)")
    func roundTrip() throws {
        let seed = TestSeed.value(default: UInt64(Date().timeIntervalSince1970))
        var g = SplitMix64(seed: seed)
        let actors = (1...20).map { Actor(node: "150603002\(String(format: "%03d", $0))", epoch: $0 % 3 + 1) }
        let rows = Dictionary(uniqueKeysWithValues: actors.enumerated().map { ($0.element, Int64($0.offset + 1)) })
        let byRow = Dictionary(uniqueKeysWithValues: rows.map { ($0.value, $0.key) })
        for _ in 0..<500 {
            let values = JSONObject((0..<g.int(0..<6)).map { i in ("f\(i)", Self.randomValue(&g)) })
            #expect(try Self.decodeValues(StorageCodec.encode(values)) == values, "seed \(seed)")
            var entries: [Actor: Int64] = [:]
            for _ in 0..<g.int(0..<6) { entries[actors[g.int(0..<actors.count)]] = Int64(g.int(0..<1 << 20) + 1) }
            if g.int(0..<10) == 0 { entries[actors[0]] = Dot.maxSeq }
            let vector = VersionVector(entries)
            let bytes = StorageCodec.encode(vector) { rows[$0]! }
            let back = try bytes.withUnsafeBytes { try StorageCodec.decodeVector($0) { byRow[$0]! } }
            #expect(back == vector, "seed \(seed)")
        }
    }

    @Test("damaged bytes are an error, never a trap or a wrong value")
    func malformed() throws {
        let good = StorageCodec.encode(JSONObject([("name", .string("张三")), ("tags", .array([.string("a")]))]))
        var cases: [[UInt8]] = [[], [0x05], [0x01], [0x01, 0x01, 0x61], [0x01, 0x01, 0x61, 0x09], [0x01, 0x7f, 0x61, 0x00],
                                [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], good + [0x00]]
        for cut in 1..<good.count { cases.append(Array(good.prefix(cut))) }
        // Nesting deeper than any group holds.
        cases.append([0x01, 0x01, 0x61] + Array(repeating: [0x05, 0x01], count: 40).flatMap { $0 } + [0x00])
        for bytes in cases {
            #expect(throws: StorageCodec.Malformed.self) { try Self.decodeValues(bytes) }
        }
        let vectorCases: [[UInt8]] = [[0x02, 0x01, 0x01], [0x01, 0x01], [0x01, 0x01, 0x00], [0x01, 0x09, 0x01],
                                      [0x01, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], [0x01, 0x01, 0x01, 0x00]]
        for bytes in vectorCases {
            #expect(throws: (any Error).self) {
                try bytes.withUnsafeBytes { b in
                    try StorageCodec.decodeVector(b) { row in
                        guard row == 1 else { throw StorageCodec.Malformed(what: "unknown actor row \(row)") }
                        return Actor(node: "150603002001", epoch: 1)
                    }
                }
            }
        }
    }

    @Test("a failed step inside a write gives its counters back: the actor's counters stay without gaps")
    func sessionRollsBack() throws {
        let r = try Fixture.replica("150603002001")
        let before = try r.localCounter()
        struct Fail: Error {}
        try r.writing {
            let first = try r.nextDot()
            #expect(throws: Fail.self) {
                try r.writing {
                    _ = try r.nextDot()
                    _ = try r.actorID(Actor(node: "150603002009", epoch: 7))
                    throw Fail()
                }
            }
            #expect(try r.nextDot().seq == first.seq + 1)
        }
        #expect(try r.localCounter() == before + 2)
        // A write that fails as a whole stores nothing and forgets the ids it made.
        #expect(throws: Fail.self) {
            try r.writing {
                _ = try r.actorID(Actor(node: "150603002008", epoch: 1))
                throw Fail()
            }
        }
        #expect(r.actorRows[Actor(node: "150603002008", epoch: 1)] == nil)
        #expect(try r.localCounter() == before + 2)
    }

    @Test("the view shows versions as text; VersionFile gives them back as the wire's JSON")
    func viewAndVersionFile() throws {
        let r = try Fixture.replica("150603002001")
        let id = Fixture.id(seq: 1)
        try r.put("person", Fixture.obj([("id_number", .string(id)), ("name", "张三"), ("community_code", "150603002001")]))
        // One write of three groups is one run: one row of three versions.
        let runs = try r.db.all("SELECT actor, seq, n, link FROM _rs_versions WHERE resource = 'person' AND key = ?", id) {
            "\($0.string(0)) \($0.int(1)) \($0.int(2)) \($0.string(3))"
        }
        #expect(runs == ["150603002001:1 1 3 "])
        let rows = try VersionFile(r.db).rows(where: "r.key = ?", id)
        #expect(rows.map(\.group) == ["_exists", "identity", "residence"])
        #expect(rows.map(\.seq) == [1, 2, 3])
        let current = try r.currentVersions("person", id).values.joined()
        #expect(rows.count == 3)
        for row in rows {
            let v = try #require(current.first { $0.dot.seq == row.seq })
            #expect(row.vv == v.vector.json.text)
            #expect(row.values == JSONValue.object(v.values).text)
            #expect(row.link == "" && row.current)
        }
    }
}

@Suite("Record history")
struct HistoryTests {
    @Test("concurrent edits show as a conflict on both nodes, each with its writer and where it came from")
    func concurrentEditsInHistory() throws {
        let community = "150603002001"
        let street = try Fixture.memoryReplica("150603002")
        let c = try Fixture.memoryReplica(community)
        let id = Fixture.id(seq: 1)
        try c.put("person", Fixture.obj([("id_number", .string(id)), ("name", "张三"), ("community_code", .string(community)),
                                         ("phone", "13800000000")]))
        try street.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        try c.put("person", Fixture.obj([("id_number", .string(id)), ("phone", "13800000001")]))
        try street.put("person", Fixture.obj([("id_number", .string(id)), ("phone", "13800000002")]))
        try street.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        try c.apply(try street.feed(after: 0, limit: 100).map(\.version), from: "150603002")
        for (r, other) in [(street, community), (c, "150603002")] {
            let contact = try #require(try r.history("person", key: id)).filter { $0.group == "contact" }
            #expect(contact.count == 3)
            #expect(contact[0].standing == .superseded && contact[0].fields.first?.before == .null)
            let concurrent = contact.dropFirst()
            #expect(concurrent.allSatisfy { $0.standing == .current && $0.conflict })
            #expect(Set(concurrent.compactMap { $0.fields.first?.after.stringValue }) == ["13800000001", "13800000002"])
            #expect(concurrent.allSatisfy { $0.fields.first?.before == "13800000000" })
            #expect(concurrent.contains { $0.receivedFrom == other } && concurrent.contains { $0.receivedFrom.isEmpty })
        }
        #expect(try street.history("person", key: Fixture.id(seq: 2)) == nil)
    }
}
