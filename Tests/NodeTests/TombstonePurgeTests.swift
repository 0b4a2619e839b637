import Causality
import Foundation
import JSON
import Sync
import Testing
@testable import Node
@testable import Replica

/// Tombstone purging through real sync rounds (in-process): a deleted record is forgotten only
/// once every node has its delete and nothing concurrent with it can still arrive.
@Suite("Tombstone purge")
struct TombstonePurgeTests {
    static let chain = ["150600", "150603", "150603002", "150603002001"]
    /// The chain plus a second community under the same street.
    static let forked = chain + ["150603002002"]

    func person(_ seq: Int, _ community: String, name: String = "居民") -> JSONObject {
        JSONObject([("id_number", .string(Tree.id(seq))), ("name", .string(name)), ("community_code", .string(community))])
    }

    func held(_ t: Tree, _ code: String, _ seq: Int) throws -> Int {
        try t[code].allVersions("person", Tree.id(seq)).count
    }

    func notices(_ t: Tree, _ code: String) throws -> Int {
        try t[code].db.scalarInt("SELECT count(*) FROM _rs_purge") ?? 0
    }

    @Test func aStableTombstoneIsPurgedOnEveryNode() throws {
        let t = try Tree(Self.chain)
        t.tombstoneRetention = 0
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t["150603002001"].put("person", person(2, "150603002001", name: "李四"))
        try t.syncAll()
        try t["150603002001"].delete("person", key: Tree.id(1))
        // Up with the delete, then reports up and notices down take a few more rounds.
        for _ in 0..<3 { try t.syncAll() }
        for code in Self.chain {
            #expect(try held(t, code, 1) == 0, "\(code) still holds versions of the purged record")
            #expect(try t[code].get("person", key: Tree.id(1)) == nil)
            #expect(try notices(t, code) == 1, "\(code) keeps the notice for its children")
            #expect(try t[code].get("person", key: Tree.id(2))?["name"] == "李四", "the other record stays at \(code)")
            #expect(try held(t, code, 2) > 0)
            #expect(try t[code].history("person", key: Tree.id(1)) == nil)
            #expect(try t[code].wasPurged("person", key: Tree.id(1)), "history can say why nothing is held at \(code)")
            #expect(try !t[code].wasPurged("person", key: Tree.id(2)))
        }
        // Idle from now on: a round writes nothing and purges nothing.
        let report = try t.sync("150603002001")
        #expect(report.pushed == 0 && report.pulled == 0 && report.tombstonesPurged == 0)
    }

    @Test func aRecreationAfterThePurgeStartsAfresh() throws {
        let t = try Tree(Self.chain)
        t.tombstoneRetention = 0
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t.syncAll()
        try t["150603002001"].delete("person", key: Tree.id(1))
        for _ in 0..<3 { try t.syncAll() }
        #expect(try held(t, "150600", 1) == 0)
        // The street enters the resident again: its existence version has seen the purged delete.
        try t["150603002"].put("person", person(1, "150603002001", name: "张三丰"))
        for _ in 0..<2 { try t.syncAll() }
        for code in Self.chain {
            #expect(try t[code].get("person", key: Tree.id(1))?["name"] == "张三丰", "at \(code)")
            #expect(try t[code].conflicts().isEmpty, "no conflict with the purged delete at \(code)")
        }
        let existence = try t["150600"].allVersions("person", Tree.id(1)).map(\.version).filter(\.isExistence)
        #expect(existence.count == 1)
        #expect(existence.first.map { $0.vector.entries.keys.contains { $0.node == "150603002001" } } == true,
                "the re-creation names the delete it has seen")
    }

    @Test func aSilentNodeKeepsEveryTombstone() throws {
        let t = try Tree(Self.forked)
        t.tombstoneRetention = 0
        try t["150603002001"].put("person", person(1, "150603002001"))
        try t.syncAll()
        try t["150603002001"].delete("person", key: Tree.id(1))
        // Every node but the second community syncs, many times: that community has never said
        // what it holds, so nothing is known to be stable.
        for _ in 0..<4 {
            for child in ["150603002001", "150603002", "150603", "150603", "150603002", "150603002001"] { try t.sync(child) }
        }
        #expect(try held(t, "150600", 1) > 0)
        #expect(try notices(t, "150600") == 0)
        // Once it syncs too, the purge goes through.
        for _ in 0..<3 { try t.syncAll() }
        #expect(try held(t, "150600", 1) == 0)
        #expect(try held(t, "150603002001", 1) == 0)
    }

    @Test func anUpdateConcurrentWithTheDeleteKeepsTheRecord() throws {
        let t = try Tree(Self.chain)
        t.tombstoneRetention = 0
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t.syncAll()
        // The community, offline, corrects the name; the street deletes the record meanwhile.
        try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("name", "张三丰")]))
        try t["150603002"].delete("person", key: Tree.id(1))
        for _ in 0..<3 {
            for child in ["150603002", "150603", "150603", "150603002"] { try t.sync(child) }
        }
        #expect(try held(t, "150600", 1) > 0, "the community has not vouched: nothing is stable")
        for _ in 0..<3 { try t.syncAll() }
        for code in Self.chain {
            #expect(try t[code].get("person", key: Tree.id(1))?["name"] == "张三丰", "kept visible at \(code)")
            #expect(try t[code].conflicts().map(\.group) == [GroupVersion.existence], "an _exists conflict at \(code)")
            #expect(try held(t, code, 1) > 0)
        }
    }

    @Test func recentTombstonesStayForTheRetentionPeriod() throws {
        let t = try Tree(Self.chain)
        try t["150603002001"].put("person", person(1, "150603002001"))
        try t.syncAll()
        try t["150603002001"].delete("person", key: Tree.id(1))
        for _ in 0..<3 { try t.syncAll() }
        #expect(try held(t, "150600", 1) > 0)
        #expect(try t["150600"].history("person", key: Tree.id(1))?.isEmpty == false, "its history is still readable")
    }

    @Test func aVersionThePurgeCoveredIsNotTakenAgain() throws {
        let t = try Tree(Self.chain)
        t.tombstoneRetention = 0
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t.syncAll()
        try t["150603002001"].delete("person", key: Tree.id(1))
        let old = try t["150603002001"].allVersions("person", Tree.id(1)).map(\.version)
        #expect(old.contains { $0.isDelete })
        for _ in 0..<3 { try t.syncAll() }
        #expect(try held(t, "150600", 1) == 0)
        // A late replay of the old versions (a lost answer resent, a restored peer): skipped.
        let result = try t["150603"].apply(old, from: "150600", within: nil, recording: [], through: [:], writer: nil)
        #expect(result.applied == 0 && result.skipped == old.count)
        #expect(try held(t, "150603", 1) == 0)
        #expect(try t["150603"].get("person", key: Tree.id(1)) == nil)
    }

    @Test func aReportBeyondWhatTheParentHoldsIsNotTaken() throws {
        let t = try Tree(Self.chain)
        let street = t["150603002"]
        let mine = try #require(try t["150600"].rootPosition())
        // The street has not pulled yet: it knows no root position, so no claim of a child counts.
        try street.noteStable(child: "150603002001", RootPosition(database: mine.database, position: 1_000_000))
        #expect(try street.childStable("150603002001") == nil)
        try t.syncAll()
        let streetHas = try #require(try street.rootPosition())
        try street.noteStable(child: "150603002001", RootPosition(database: streetHas.database, position: streetHas.position + 1))
        try street.noteStable(child: "150603002001", RootPosition(database: "another", position: 0))
        #expect(try street.childStable("150603002001").map { $0.position <= streetHas.position } ?? true)
    }

    /// A parent restored from a backup older than the record gets the notice of a record it does
    /// not hold, while its child still does: the notice keeps the child's push of it out, and
    /// goes on down so the child drops it too.
    @Test func aNoticeForARecordNotHeldStillKeepsItOut() throws {
        let t = try Tree(Self.chain)
        try t["150603002001"].put("person", person(1, "150603002001", name: "张三"))
        try t["150603002001"].delete("person", key: Tree.id(1))
        let mine = try t["150603002001"].allVersions("person", Tree.id(1)).map(\.version)
        var covered = VersionVector()
        for v in mine { covered.add(v.dot) }
        let notice = PurgeNotice(resource: "person", key: Tree.id(1), scope: "150603002001", covered: covered)
        #expect(try t["150603002"].applyPurges([notice], recording: []) == 1)
        let report = try t.sync("150603002001")
        #expect(report.pushed == 0, "every pushed version is one the notice covers")
        #expect(try held(t, "150603002", 1) == 0)
        #expect(report.tombstonesPurged == 1)
        #expect(try held(t, "150603002001", 1) == 0)
        // Garbage is not taken: an unknown resource, a key not in standard form.
        let bad = [PurgeNotice(resource: "nothing", key: "k", scope: "150603002001", covered: covered),
                   PurgeNotice(resource: "person", key: Tree.id(2).lowercased() + " ", scope: "150603002001", covered: covered)]
        #expect(try t["150603002"].applyPurges(bad, recording: []) == 0)
    }
}
