import Foundation
import JSON
import Standards
import Testing
@testable import Node
@testable import Replica

/// Found by the chaos harness (Scripts/chaos --seed 3, docs/RELIABILITY.md): a middle node restored
/// from a backup taken before it had written anything under its first epoch. Its writes of that
/// epoch that reached only its children must come back from them, although the restored parent
/// holds no version of that epoch at all.
@Suite("Restore: writes of an epoch the backup never saw")
struct RestoreRecoveryTests {
    @Test func theChildrenSendBackAnEpochTheRestoredParentHoldsNothingOf() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        for i in 1...3 {
            try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(i))), ("name", "居民"), ("community_code", "150603002001")]))
        }
        try t.syncAll()
        // The street's backup: it has received records but written nothing itself yet.
        let backup = t.dir.appendingPathComponent("street-backup.sqlite").path
        try t["150603002"].db.execute("VACUUM INTO '\(backup)'")
        #expect(try t["150603002"].db.scalarInt("SELECT count(*) FROM _rs_version WHERE link = 0") == 0)
        // The street writes; the write reaches the community, never the district.
        try t["150603002"].put("person", JSONObject([("id_number", .string(Tree.id(1))), ("phone", "13800000000")]))
        try t.sync("150603002001")
        #expect(try t["150603002001"].get("person", key: Tree.id(1))?["phone"] == "13800000000")
        // The street's disk fails; it is restored from the backup and takes a new epoch.
        t.replicas["150603002"] = nil
        try FileManager.default.removeItem(atPath: t.path("150603002"))
        try FileManager.default.copyItem(atPath: backup, toPath: t.path("150603002"))
        let restored = try Replica.open(path: t.path("150603002"), divisions: DivisionTable.bundled)
        #expect(restored.epoch == 2)
        t.replicas["150603002"] = restored
        try t.syncAll()
        // The community still held the street's write of epoch 1: it is everywhere again.
        for code in ["150600", "150603", "150603002", "150603002001"] {
            #expect(try t[code].get("person", key: Tree.id(1))?["phone"] == "13800000000", "at \(code)")
        }
    }

    /// Chaos seed 42 (storage v2 run): a street restored from a backup lacks a city version its
    /// community has seen and built on. The community's push that depends on it is refused "not
    /// yet" (409): the community sets nothing aside, and once the street has pulled the city's
    /// version again the push goes through, and so do the street's own lost writes.
    @Test func aChildWaitsWhileItsRestoredParentLacksAnAncestorsVersion() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        let key = Tree.id(1)
        try t["150603002001"].put("person", JSONObject([("id_number", .string(key)), ("name", "居民"), ("community_code", "150603002001")]))
        try t.syncAll()
        let backup = t.dir.appendingPathComponent("street-backup.sqlite").path
        try t["150603002"].db.execute("VACUUM INTO '\(backup)'")
        // The city corrects the name (its authority); the street writes the phone; both reach the community.
        try t["150600"].put("person", JSONObject([("id_number", .string(key)), ("name", "居民甲")]))
        try t.sync("150603")
        try t.sync("150603002")
        try t["150603002"].put("person", JSONObject([("id_number", .string(key)), ("phone", "13800000000")]))
        try t.sync("150603002001")
        // The community writes on top of what it saw: its vectors name the city's and the street's versions.
        try t["150603002001"].put("person", JSONObject([("id_number", .string(key)), ("name", "居民乙"), ("phone", "13900000000")]))
        // The street is restored from its backup: the city's version and its own write are gone there.
        t.replicas["150603002"] = nil
        try FileManager.default.removeItem(atPath: t.path("150603002"))
        try FileManager.default.copyItem(atPath: backup, toPath: t.path("150603002"))
        t.replicas["150603002"] = try Replica.open(path: t.path("150603002"), divisions: DivisionTable.bundled)
        let first = try t.sync("150603002001")
        #expect(first.pushWaiting, "the street cannot take the community's edit before it has the city's version again")
        #expect(first.setAside == 0)
        #expect(try t["150603002001"].setAsideVersions().isEmpty)
        // The street pulls from the district again; the community's next round goes through.
        try t.sync("150603002")
        let second = try t.sync("150603002001")
        #expect(!second.pushWaiting && second.pushed > 0)
        try t.syncAll()
        for code in ["150600", "150603", "150603002", "150603002001"] {
            #expect(try t[code].get("person", key: key)?["phone"] == "13900000000", "at \(code)")
        }
        #expect(try t["150603002001"].setAsideVersions().isEmpty)
    }
}
