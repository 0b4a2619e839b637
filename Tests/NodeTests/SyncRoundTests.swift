import Catalogue
import Causality
import Foundation
import JSON
import Standards
import Sync
import Testing
@testable import Node
@testable import Replica

/// A tree of replica files in a temporary directory, synced in-process through the real
/// parent service and sync round (no sockets).
final class Tree {
    let dir: URL
    var replicas: [String: Replica] = [:]
    let topology: Topology

    init(_ codes: [String]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-tree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var nodes: [JSONValue] = []
        for c in codes {
            var o: JSONObject = ["code": .string(c), "name": .string(c), "level": .string(Self.level(c).rawValue)]
            if let p = Self.parent(c) { o["parent"] = .string(p) }
            if codes.contains(where: { Self.parent($0) == c }) { o["listen"] = .string("127.0.0.1:\(7000 + nodes.count)") }
            nodes.append(.object(o))
        }
        topology = try Topology.parse(Array(JSONValue.object(["nodes": .array(nodes)]).text.utf8))
        let catalogue = try Catalogue.bundledDefault()
        for n in topology.nodes {
            let r = try Replica.create(path: path(n.code), node: NodeIdentity(code: n.code, name: n.name, level: n.level, parent: n.parent),
                                       catalogue: catalogue, divisions: DivisionTable.bundled)
            try r.setLinks(parent: n.parent, children: topology.children(of: n.code).map(\.code))
            replicas[n.code] = r
        }
    }

    func path(_ code: String) -> String { dir.appendingPathComponent("\(code).sqlite").path }

    static func level(_ c: String) -> DivisionLevel { DivisionCode.level(ofShape: c)! }
    static func parent(_ c: String) -> String? { DivisionCode.hierarchyParent(of: c) }

    subscript(code: String) -> Replica { replicas[code]! }

    /// How long the root keeps stable tombstones (ParentService's default: 30 days).
    var tombstoneRetention = ParentService.defaultTombstoneRetention

    @discardableResult
    func sync(_ child: String, batch: Int = 1000) throws -> SyncRound.Report {
        let parent = replicas[Self.parent(child)!]!
        var service = try ParentService(replica: parent, child: child)
        service.tombstoneRetentionMilliseconds = tombstoneRetention
        var round = SyncRound(replica: replicas[child]!, link: DirectParentLink(service: service))
        round.batchSize = batch
        return try round.run()
    }

    /// Children up to the city, then the city down to every leaf, twice: everything settles.
    func syncAll() throws {
        let byDepth = topology.nodes.filter { $0.parent != nil }.sorted { $0.code.count > $1.code.count }
        for _ in 0..<2 {
            for n in byDepth { try sync(n.code) }
            for n in byDepth.reversed() { try sync(n.code) }
        }
    }

    static func id(_ seq: Int, county: String = "150603") -> String {
        let body = county + "19800101" + String(format: "%03d", seq)
        return CitizenID.complete(body)!
    }
}

@Suite("Sync rounds (in-process)")
struct SyncRoundTests {
    static let chain = ["150600", "150603", "150603002", "150603002001"]
    static let tree = ["150600", "150603", "150602", "150603002", "150603001", "150602001",
                       "150603002001", "150603002002", "150603001001", "150602001001"]

    func person(_ seq: Int, _ community: String, name: String = "居民") -> JSONObject {
        JSONObject([("id_number", .string(Tree.id(seq))), ("name", .string(name)), ("community_code", .string(community))])
    }

    @Test func communityWriteRisesThroughFourLevels() throws {
        let t = try Tree(Self.chain)
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        for child in ["150603002001", "150603002", "150603"] { try t.sync(child) }
        for code in Self.chain {
            #expect(try t[code].get("person", key: Tree.id(1))?["name"] == "张三", "at \(code)")
        }
    }

    @Test func cityDataReachesTheRightCommunityAndNoOther() throws {
        let t = try Tree(Self.tree)
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t["150603002002"].put("person", person(2, "150603002002", name: "李四"))
        try t.syncAll()
        // The city returns authoritative identity data for 张三 (回流).
        try t["150600"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("ethnicity", "02")]))
        try t.syncAll()
        #expect(try t["150603002001"].get("person", key: Tree.id(1))?["ethnicity"] == "02")
        for other in ["150603002002", "150603001001", "150602001001", "150602", "150602001", "150603001"] {
            #expect(try t[other].get("person", key: Tree.id(1)) == nil, "\(other) must not hold it")
            #expect(try t[other].allVersions("person", Tree.id(1)).isEmpty, "\(other) must hold no version of it")
        }
        #expect(try t["150603002002"].get("person", key: Tree.id(2))?["name"] == "李四")
    }

    @Test func concurrentEditsConvergeWithTheSameWinnerEverywhere() throws {
        let t = try Tree(Self.chain)
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t.syncAll()
        try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("name", "张三丰")]))
        try t["150600"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("name", "张叁")]))
        try t.syncAll()
        for code in Self.chain {
            #expect(try t[code].get("person", key: Tree.id(1))?["name"] == "张叁", "at \(code)")
            #expect(try t[code].conflicts().map(\.group) == ["identity"], "at \(code)")
        }
    }

    @Test func aNoChangeRoundSendsNothing() throws {
        let t = try Tree(Self.chain)
        for i in 1...50 { try t["150603002001"].put("person", person(i, "150603002001")) }
        try t.syncAll()
        let report = try t.sync("150603002001")
        #expect(report.pushed == 0 && report.pulled == 0)
        #expect(report.pushBatches == 0 && report.pullPages == 1)
    }

    @Test func smallBatchesAndReplayedPagesConverge() throws {
        let t = try Tree(Self.chain)
        for i in 1...40 { try t["150603002001"].put("person", person(i, "150603002001")) }
        for child in ["150603002001", "150603002", "150603"] { try t.sync(child, batch: 7) }
        #expect(try t["150600"].db.scalarInt("SELECT count(*) FROM person") == 40)
        // A new street-level child loads everything from scratch in small pages, twice over.
        try t["150603002"].setSyncState("pull_cursor", "")
        let again = try t.sync("150603002", batch: 5)
        #expect(again.pulled == 0)
        #expect(try t["150603002"].db.scalarInt("SELECT count(*) FROM person") == 40)
    }

    @Test func aChildCannotPushOutsideItsJurisdiction() throws {
        let t = try Tree(Self.tree)
        // A forged version: written by community 150603002001 but scoped to another community.
        let forged = GroupVersion(resource: "person", key: Tree.id(9), group: GroupVersion.existence,
                                  dot: Dot(actor: Actor(node: "150603002001", epoch: 1), seq: 1),
                                  vector: VersionVector([Actor(node: "150603002001", epoch: 1): 1]),
                                  hlc: 1, values: JSONObject([("deleted", .bool(false))]), scope: "150603002002")
        let service = try ParentService(replica: t["150603002"], child: "150603002001")
        #expect(throws: ReplicaError.self) { try service.push([forged]) }
        #expect(try t["150603002"].db.scalarInt("SELECT count(*) FROM _rs_version") == 0)
        // Nor versions written by another node, even inside its own scope.
        let foreign = GroupVersion(resource: "person", key: Tree.id(9), group: GroupVersion.existence,
                                   dot: Dot(actor: Actor(node: "150603002002", epoch: 1), seq: 1),
                                   vector: VersionVector([Actor(node: "150603002002", epoch: 1): 1]),
                                   hlc: 1, values: JSONObject([("deleted", .bool(false))]), scope: "150603002001")
        #expect(throws: ReplicaError.self) { try service.push([foreign]) }
        #expect(throws: NodeError.self) { try ParentService(replica: t["150603002"], child: "150603001001") }
    }

    @Test func aResidentMovesBetweenCommunities() throws {
        let t = try Tree(Self.tree)
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("phone", "13800000001")]))
        try t.syncAll()
        // The street moves the resident to its other community.
        try t["150603002"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("community_code", "150603002002")]))
        try t.syncAll()
        let moved = try #require(try t["150603002002"].get("person", key: Tree.id(1)))
        #expect(moved["name"] == "张三")
        #expect(moved["phone"] == "13800000001")
        #expect(try t["150603002001"].get("person", key: Tree.id(1)) == nil)
        // The old community forgets it once the street holds everything it wrote.
        #expect(try t["150603002001"].allVersions("person", Tree.id(1)).isEmpty)
        // A district-level move across streets works the same way.
        try t["150603"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("community_code", "150603001001")]))
        try t.syncAll()
        #expect(try t["150603001001"].get("person", key: Tree.id(1))?["name"] == "张三")
        #expect(try t["150603002002"].get("person", key: Tree.id(1)) == nil)
        #expect(try t["150603002"].get("person", key: Tree.id(1)) == nil)
        #expect(try t["150603001"].get("person", key: Tree.id(1)) != nil)
    }

    @Test func deletesPropagateDown() throws {
        let t = try Tree(Self.chain)
        try t["150603002001"].put("person", person(1, "150603002001"))
        try t.syncAll()
        try t["150603"].delete("person", key: Tree.id(1))
        try t.syncAll()
        for code in Self.chain { #expect(try t[code].get("person", key: Tree.id(1)) == nil, "at \(code)") }
    }

    @Test func aMiddleNodeRestoredFromAnOldCopyConverges() throws {
        let t = try Tree(Self.chain)
        for i in 1...5 { try t["150603002001"].put("person", person(i, "150603002001")) }
        try t.syncAll()
        // Back up the street, then more happens everywhere.
        let backup = t.dir.appendingPathComponent("street-backup.sqlite").path
        try t["150603002"].db.execute("VACUUM INTO '\(backup)'")
        for i in 6...10 { try t["150603002001"].put("person", person(i, "150603002001")) }
        try t["150603002"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("phone", "13800000000")]))
        try t.syncAll()
        // Restore the street from the old copy.
        t.replicas["150603002"] = nil
        try FileManager.default.removeItem(atPath: t.path("150603002"))
        try FileManager.default.copyItem(atPath: backup, toPath: t.path("150603002"))
        let restored = try Replica.open(path: t.path("150603002"), divisions: DivisionTable.bundled)
        #expect(restored.epoch == 2)
        t.replicas["150603002"] = restored
        try restored.put("person", JSONObject([("id_number", .string(Tree.id(2))), ("phone", "13900000000")]))
        try t.syncAll()
        for code in Self.chain {
            let r = t[code]
            #expect(try r.db.scalarInt("SELECT count(*) FROM person") == 10, "at \(code)")
            #expect(try r.get("person", key: Tree.id(1))?["phone"] == "13800000000", "at \(code)")
            #expect(try r.get("person", key: Tree.id(2))?["phone"] == "13900000000", "at \(code)")
        }
        let dots = try t["150600"].feed(after: 0, limit: 10_000).map(\.version.dot)
        #expect(Set(dots).count == dots.count)
    }
}
