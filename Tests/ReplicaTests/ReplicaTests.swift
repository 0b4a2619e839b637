import Causality
import Foundation
import JSON
import SQLite
import Testing
@testable import Replica

@Suite("Replica")
struct ReplicaTests {
    let community = "150603002001"

    func person(_ seq: Int, name: String = "张三", community: String = "150603002001") -> JSONObject {
        Fixture.obj([("id_number", .string(Fixture.id(seq: seq))), ("name", .string(name)),
                     ("community_code", .string(community))])
    }

    @Test func putGetAndFieldsNotGivenStay() throws {
        let r = try Fixture.replica(community)
        let id = Fixture.id(seq: 1)
        let created = try r.put("person", person(1))
        #expect(created.created)
        #expect(Set(created.groups) == ["identity", "residence"])
        try r.put("person", Fixture.obj([("id_number", .string(id)), ("phone", "13800000000")]))
        let got = try #require(try r.get("person", key: id))
        #expect(got["name"] == "张三")
        #expect(got["phone"] == "13800000000")
        #expect(got["community_code"] == "150603002001")
        #expect(got["_conflict"] == nil)
    }

    @Test func unchangedPutWritesNoVersion() throws {
        let r = try Fixture.replica(community)
        try r.put("person", person(1))
        let before = try r.db.scalarInt("SELECT count(*) FROM _rs_version")
        let again = try r.put("person", person(1))
        #expect(again.groups.isEmpty)
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_version") == before)
    }

    @Test func invalidInputIsRefusedWithEveryProblemAndNothingWritten() throws {
        let r = try Fixture.replica(community)
        let bad = Fixture.obj([("id_number", "110105194912310021"), ("sex", "7"), ("birth_date", "19991340"),
                               ("community_code", "150603002001"), ("bogus", "x")])
        do {
            try r.put("person", bad)
            Issue.record("expected invalid")
        } catch ReplicaError.invalid(let issues) {
            let fields = Set(issues.map(\.field))
            #expect(fields.isSuperset(of: ["id_number", "sex", "birth_date", "bogus"]))
        }
        #expect(try r.db.scalarInt("SELECT count(*) FROM person") == 0)
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_version") == 0)
    }

    @Test func sexAndBirthDateMustAgreeWithTheID() throws {
        let r = try Fixture.replica(community)
        var p = person(2) // sequence 002: even → female
        p["sex"] = "1"
        p["birth_date"] = "1990-01-02"
        #expect(throws: ReplicaError.self) { try r.put("person", p) }
        p["sex"] = "2"
        p["birth_date"] = "1990-01-01"
        try r.put("person", p)
        #expect(try r.get("person", key: Fixture.id(seq: 2))?["birth_date"] == "19900101")
    }

    @Test func writesOutsideJurisdictionAreRefused() throws {
        let r = try Fixture.replica(community)
        #expect(throws: ReplicaError.self) { try r.put("person", person(3, community: "150603002002")) }
        let street = try Fixture.replica("150603002")
        try street.put("person", person(3, community: "150603002002"))
        // A street may move a resident between its communities, but not out of the street.
        try street.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 3))), ("community_code", "150603002001")]))
        #expect(throws: ReplicaError.self) {
            try street.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 3))), ("community_code", "150603001001")]))
        }
    }

    @Test func putAllIsAllOrNothingAndNamesTheLine() throws {
        let r = try Fixture.replica(community)
        let rows = [(line: 1, patch: person(1)), (line: 2, patch: Fixture.obj([("id_number", "bad")])), (line: 3, patch: person(3))]
        do {
            _ = try r.putAll("person", rows)
            Issue.record("expected invalid")
        } catch ReplicaError.invalid(let issues) {
            #expect(issues.allSatisfy { $0.messageEn.hasPrefix("line 2") })
        }
        #expect(try r.db.scalarInt("SELECT count(*) FROM person") == 0)
        _ = try r.putAll("person", [(line: 1, patch: person(1)), (line: 2, patch: person(3))])
        #expect(try r.db.scalarInt("SELECT count(*) FROM person") == 2)
    }

    @Test func directSQLWritesAreCapturedAsVersions() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("r.sqlite").path
        let r = try Fixture.replica(community, path: path)
        try r.put("person", person(1))
        // Another program: a plain SQLite connection with no rootsync functions.
        let other = try Database(path: path)
        let id2 = Fixture.id(seq: 5)
        try other.execute("INSERT INTO person(id_number, name, community_code, tags) VALUES('\(id2)', '李四', '150603002001', '[\"低保\"]')")
        try other.execute("UPDATE person SET phone = '13900000000' WHERE id_number = '\(Fixture.id(seq: 1))'")
        #expect(try other.scalarInt("SELECT count(*) FROM _rs_capture") == 2)
        #expect(try r.captureExternalWrites() == 2)
        #expect(try r.get("person", key: id2)?["tags"] == .array(["低保"]))
        let groups = try r.allVersions("person", Fixture.id(seq: 1)).map(\.version.group)
        #expect(groups.filter { $0 == "contact" }.count == 1)
        // Rootsync's own writes are not captured again.
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_capture") == 0)
        // A direct delete becomes a tombstone.
        try other.execute("DELETE FROM person WHERE id_number = '\(id2)'")
        _ = try r.captureExternalWrites()
        #expect(try r.get("person", key: id2) == nil)
        #expect(try r.allVersions("person", id2).last?.version.isDelete == true)
    }

    @Test func anIdleCaptureLeavesTheFileAlone() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("r.sqlite").path
        let r = try Fixture.replica(community, path: path)
        try r.put("person", person(1))
        // Another connection sees a commit as a new data_version (what a file watcher sees).
        let other = try Database(path: path)
        let version = try other.scalarInt("PRAGMA data_version")
        let changes = r.db.totalChanges
        #expect(try r.captureExternalWrites() == 0)
        #expect(try r.captureExternalWrites() == 0)
        #expect(r.db.totalChanges == changes)
        #expect(try other.scalarInt("PRAGMA data_version") == version)
        // Something captured is still taken at the next call.
        try other.execute("UPDATE person SET phone = '13900000000' WHERE id_number = '\(Fixture.id(seq: 1))'")
        #expect(try r.captureExternalWrites() == 1)
        #expect(try r.get("person", key: Fixture.id(seq: 1))?["phone"] == "13900000000")
    }

    @Test func invalidDirectWritesAreListedNotPropagated() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("r.sqlite").path
        let r = try Fixture.replica(community, path: path)
        try r.put("person", person(1))
        let other = try Database(path: path)
        try other.execute("UPDATE person SET sex = '7' WHERE id_number = '\(Fixture.id(seq: 1))'")
        let versions = try r.db.scalarInt("SELECT count(*) FROM _rs_version")
        _ = try r.captureExternalWrites()
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_version") == versions)
        let invalid = try r.invalidWrites()
        #expect(invalid.count == 1)
        #expect(invalid.first?.problems.first?.field == "sex")
        // Corrected by the same program: versioned and no longer listed.
        try other.execute("UPDATE person SET sex = '1' WHERE id_number = '\(Fixture.id(seq: 1))'")
        _ = try r.captureExternalWrites()
        #expect(try r.invalidWrites().isEmpty)
        #expect(try r.get("person", key: Fixture.id(seq: 1))?["sex"] == "1")
    }

    /// A put that gives back the values the versions already hold, after another program wrote
    /// an invalid value into the row: the row shows the versions' values again (it used to keep
    /// the invalid value while the invalid list forgot it).
    @Test func aPutOfTheHeldValuesRepairsAnInvalidDirectWrite() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("r.sqlite").path
        let r = try Fixture.replica(community, path: path)
        var p = person(1)
        p["sex"] = "1"
        try r.put("person", p)
        let other = try Database(path: path)
        try other.execute("UPDATE person SET sex = '7' WHERE id_number = '\(Fixture.id(seq: 1))'")
        _ = try r.captureExternalWrites()
        #expect(try r.invalidWrites().count == 1)
        let versions = try r.db.scalarInt("SELECT count(*) FROM _rs_version")
        try r.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("sex", "1")]))
        #expect(try r.db.scalarInt("SELECT count(*) FROM _rs_version") == versions, "nothing changed in the versions")
        #expect(try r.invalidWrites().isEmpty)
        #expect(try other.scalarText("SELECT sex FROM person WHERE id_number = '\(Fixture.id(seq: 1))'") == "1")
    }

    @Test func concurrentEditsConflictAndAuthorityWins() throws {
        let city = try Fixture.memoryReplica("150600")
        let c = try Fixture.memoryReplica(community)
        try c.put("person", person(1))
        try city.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        // Concurrent edits of the identity group (authority: city).
        try c.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("name", "张三丰")]))
        try city.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("name", "张叁")]))
        try city.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        try c.apply(try city.feed(after: 0, limit: 100).map(\.version), from: "150600")
        for r in [city, c] {
            #expect(try r.get("person", key: Fixture.id(seq: 1))?["name"] == "张叁")
            let conflicts = try r.conflicts()
            #expect(conflicts.map(\.id) == ["person/\(Fixture.id(seq: 1))/identity"])
            #expect(conflicts.first?.versions.count == 2)
        }
        // Resolve at the community by taking its own version: everywhere after exchange.
        let conflict = try #require(try c.conflicts().first)
        let mine = try #require(conflict.versions.first { $0.dot.actor.node == community })
        try c.resolve(conflict.id, take: mine.dot.description, data: nil)
        try city.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        for r in [city, c] {
            #expect(try r.conflicts().isEmpty)
            #expect(try r.get("person", key: Fixture.id(seq: 1))?["name"] == "张三丰")
            // The losing versions are kept.
            #expect(try r.allVersions("person", Fixture.id(seq: 1)).filter { $0.version.group == "identity" }.count == 4)
        }
    }

    @Test func concurrentEditsToDifferentGroupsMergeWithoutConflict() throws {
        let street = try Fixture.memoryReplica("150603002")
        let c = try Fixture.memoryReplica(community)
        try c.put("person", person(1))
        try street.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        try c.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("phone", "13800000000")]))
        try street.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("marital_status", "20")]))
        try street.apply(try c.feed(after: 0, limit: 100).map(\.version), from: community)
        try c.apply(try street.feed(after: 0, limit: 100).map(\.version), from: "150603002")
        for r in [street, c] {
            let p = try #require(try r.get("person", key: Fixture.id(seq: 1)))
            #expect(p["phone"] == "13800000000")
            #expect(p["marital_status"] == "20")
            #expect(try r.conflicts().isEmpty)
        }
    }

    @Test func tagsMergeAddWins() throws {
        let a = try Fixture.memoryReplica(community)
        let b = try Fixture.memoryReplica("150603002")
        var p = person(1)
        p["tags"] = ["独居老人"]
        try a.put("person", p)
        try b.apply(try a.feed(after: 0, limit: 100).map(\.version), from: community)
        let id = Fixture.id(seq: 1)
        // a removes 独居老人 and adds 低保; b concurrently adds 残疾 and re-asserts 独居老人.
        try a.put("person", Fixture.obj([("id_number", .string(id)), ("tags", ["低保"])]))
        try b.put("person", Fixture.obj([("id_number", .string(id)), ("tags", ["独居老人", "残疾"])]))
        try b.apply(try a.feed(after: 0, limit: 100).map(\.version), from: community)
        try a.apply(try b.feed(after: 0, limit: 100).map(\.version), from: "150603002")
        for r in [a, b] {
            // 独居老人's original addition was removed by a; b's set kept that same addition, which a had seen.
            #expect(try r.get("person", key: id)?["tags"] == .array(["低保", "残疾"]))
            #expect(try r.conflicts().isEmpty)
        }
    }

    @Test func updateConcurrentWithDeleteIsAConflictAndStaysVisible() throws {
        let a = try Fixture.memoryReplica(community)
        let b = try Fixture.memoryReplica("150603002")
        try a.put("person", person(1))
        try b.apply(try a.feed(after: 0, limit: 100).map(\.version), from: community)
        let id = Fixture.id(seq: 1)
        try a.delete("person", key: id)
        try b.put("person", Fixture.obj([("id_number", .string(id)), ("phone", "13800000000")]))
        try b.apply(try a.feed(after: 0, limit: 100).map(\.version), from: community)
        try a.apply(try b.feed(after: 0, limit: 100).map(\.version), from: "150603002")
        for r in [a, b] {
            #expect(try r.get("person", key: id)?["_conflict"] == true)
            #expect(try r.conflicts().map(\.group) == ["_exists"])
        }
        // Resolving by taking the delete removes it everywhere.
        let c = try #require(try a.conflicts().first)
        let del = try #require(c.versions.first { $0.isDelete })
        try a.resolve(c.id, take: del.dot.description, data: nil)
        try b.apply(try a.feed(after: 0, limit: 100).map(\.version), from: community)
        for r in [a, b] {
            #expect(try r.get("person", key: id) == nil)
            #expect(try r.conflicts().isEmpty)
        }
    }

    @Test func applyIsIdempotentAndAtomic() throws {
        let a = try Fixture.memoryReplica(community)
        let b = try Fixture.memoryReplica("150603002")
        try a.put("person", person(1))
        try a.put("person", person(2))
        let versions = try a.feed(after: 0, limit: 100).map(\.version)
        let first = try b.apply(versions, from: community)
        let second = try b.apply(versions, from: community)
        #expect(first.applied == versions.count)
        #expect(second.applied == 0 && second.skipped == versions.count)
        // A batch with one bad version applies nothing.
        try a.put("person", person(3))
        var batch = try a.feed(after: 0, limit: 100).map(\.version)
        var broken = batch[batch.count - 1]
        broken.values["name"] = .number("42")
        batch[batch.count - 1] = broken
        let before = try b.db.scalarInt("SELECT count(*) FROM _rs_version")
        #expect(throws: ReplicaError.self) { try b.apply(batch, from: community) }
        #expect(try b.db.scalarInt("SELECT count(*) FROM _rs_version") == before)
        #expect(try b.get("person", key: Fixture.id(seq: 3)) == nil)
    }

    @Test func timestampsTooFarInTheFutureAreRefused() throws {
        let a = try Fixture.memoryReplica(community)
        let b = try Fixture.memoryReplica("150603002")
        a.now = { Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000 }
        try a.put("person", person(1))
        #expect(throws: ReplicaError.self) { try b.apply(try a.feed(after: 0, limit: 100).map(\.version), from: community) }
    }

    @Test func copiedOrRestoredDatabaseTakesANewEpoch() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("r.sqlite").path
        do {
            let r = try Fixture.replica(community, path: path)
            try r.put("person", person(1))
            #expect(r.epoch == 1)
        }
        // Reopening the same file: same epoch.
        do { #expect(try Replica.open(path: path, divisions: Fixture.divisions).epoch == 1) }
        // Back up, write more, restore the backup: counters would repeat without a new epoch.
        let backup = dir.appendingPathComponent("backup.sqlite").path
        do {
            let r = try Replica.open(path: path, divisions: Fixture.divisions)
            try r.db.execute("VACUUM INTO '\(backup)'")
            try r.put("person", person(2))
        }
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        let restored = try Replica.open(path: path, divisions: Fixture.divisions)
        #expect(restored.epoch == 2)
        try restored.put("person", person(3))
        let dots = try restored.feed(after: 0, limit: 100).map(\.version.dot)
        #expect(Set(dots).count == dots.count)
        #expect(dots.last?.actor.epoch == 2)
    }

    @Test func listStreamsRecordsWithConflictFlag() throws {
        let r = try Fixture.replica(community)
        for i in 1...5 { try r.put("person", person(i, name: "居民\(i)")) }
        var names: [String] = []
        try r.list("person") { names.append($0["name"]?.stringValue ?? "") }
        #expect(names.count == 5)
    }
}
