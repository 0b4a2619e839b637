import Foundation
import JSON
import SQLite
import Testing
@testable import Replica

@Suite("Actor lease")
struct LeaseTests {
    func person(_ seq: Int) -> JSONObject {
        JSONObject([("id_number", .string(Fixture.id(seq: seq))), ("name", "张三"), ("community_code", "150603002001")])
    }

    @Test func directWritesDrainedByApplyDoNotLookLikeARestore() throws {
        let path = Fixture.tempDir().appendingPathComponent("r.sqlite").path
        let street = try Fixture.replica("150603002", path: path)
        let community = try Fixture.memoryReplica("150603002001")
        try community.put("person", person(1))
        // Another program writes straight into the street's file; the next apply versions it.
        try street.put("person", person(2))
        let other = try Database(path: path)
        try other.execute("UPDATE person SET phone = '13800000000' WHERE id_number = '\(Fixture.id(seq: 2))'")
        try street.apply(try community.feed(after: 0, limit: 100).map(\.version), from: "150603002001")
        #expect(try Replica.open(path: path, divisions: Fixture.divisions).epoch == 1)
    }

    @Test func aDatabaseAheadOfItsLeaseIsTrusted() throws {
        let path = Fixture.tempDir().appendingPathComponent("r.sqlite").path
        let r = try Fixture.replica("150603002001", path: path)
        try r.put("person", person(1))
        let lease = try Data(contentsOf: URL(fileURLWithPath: path + "-actor"))
        try r.put("person", person(2))
        // A crash (or another connection) between a commit and its lease write leaves the lease behind.
        try lease.write(to: URL(fileURLWithPath: path + "-actor"))
        #expect(try Replica.open(path: path, divisions: Fixture.divisions).epoch == 1)
    }

    @Test func aDatabaseBehindItsLeaseTakesANewEpochAndDatabaseID() throws {
        let path = Fixture.tempDir().appendingPathComponent("r.sqlite").path
        let r = try Fixture.replica("150603002001", path: path)
        let id = r.databaseID
        try r.put("person", person(1))
        let lease = try Data(contentsOf: URL(fileURLWithPath: path + "-actor"))
        // Rewrite the lease as if later writes had happened (the file is now "older").
        var json = try JSONParser.parse(bytes: Array(lease)).objectValue!
        json["generation"] = .int(1_000)
        try Data(JSONValue.object(json).text.utf8).write(to: URL(fileURLWithPath: path + "-actor"))
        let reopened = try Replica.open(path: path, divisions: Fixture.divisions)
        #expect(reopened.epoch == 2)
        #expect(reopened.databaseID != id)
    }
}
