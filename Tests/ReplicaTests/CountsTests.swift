import Foundation
import JSON
import Testing
@testable import Replica

/// The counts `/metrics` reads: records per resource, and versions per resource as a tally that
/// is updated from the runs stored since, or counted again when runs went away.
@Suite("Replica counts")
struct CountsTests {
    static let community = "150603002001"

    func person(_ seq: Int, name: String = "张三") -> JSONObject {
        Fixture.obj([("id_number", .string(Fixture.id(seq: seq))), ("name", .string(name)), ("community_code", .string(Self.community))])
    }

    /// What a count from nothing gives (the reference every update is compared with).
    func fullCount(_ r: Replica) throws -> [String: Int] { try r.versionCounts(updating: nil).perResource }

    @Test("an updated tally equals a full count after writes, edits and deletes; a run that went away makes it count again")
    func tallyFollowsTheStore() throws {
        let r = try Fixture.replica(Self.community)
        var tally = try r.versionCounts(updating: nil)
        #expect(tally.perResource == ["person": 0, "house": 0, "enterprise": 0, "place": 0, "event": 0])
        for i in 1...5 { try r.put("person", person(i)) }
        tally = try r.versionCounts(updating: tally)
        #expect(try tally.perResource["person"] == fullCount(r)["person"])
        #expect(tally.perResource["person"].map { $0 >= 5 } == true, "\(tally.perResource)")
        try r.put("person", person(2, name: "李四"))
        try r.delete("person", key: Fixture.id(seq: 3))
        let before = tally.perResource["person"] ?? 0
        tally = try r.versionCounts(updating: tally)
        #expect(tally.perResource == (try fullCount(r)))
        #expect((tally.perResource["person"] ?? 0) > before)
        // Runs removed behind the tally's back (as a purge of records that moved away does).
        try r.db.run("DELETE FROM _rs_version WHERE id = (SELECT min(id) FROM _rs_version)")
        let afterDelete = try r.versionCounts(updating: tally)
        #expect(afterDelete.perResource == (try fullCount(r)))
        #expect((afterDelete.perResource["person"] ?? 0) < (tally.perResource["person"] ?? 0))
        // Nothing new: the same tally.
        #expect(try r.versionCounts(updating: afterDelete) == afterDelete)
    }

    @Test("records per resource and problem counts")
    func recordsAndProblems() throws {
        let r = try Fixture.replica(Self.community)
        for i in 1...3 { try r.put("person", person(i)) }
        try r.delete("person", key: Fixture.id(seq: 1))
        #expect(try r.recordCounts() == ["person": 2, "house": 0, "enterprise": 0, "place": 0, "event": 0])
        // A direct write that fails validation is listed and counted.
        try r.db.run("INSERT INTO person(id_number, name) VALUES('123', '坏')")
        _ = try r.captureExternalWrites()
        let problems = try r.problemCounts()
        #expect(problems.invalidWrites == 1 && problems.openConflicts == 0 && problems.setAside == 0)
    }
}
