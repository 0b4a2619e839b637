import Causality
import Foundation
import JSON
import Testing
@testable import Node
@testable import Replica

/// `Replica.diagnose` (rootsync doctor) on replicas holding the state that earlier releases let a
/// hostile child plant: it is found, repaired, and every link syncs again afterwards.
@Suite("Doctor: poisoned state is found and repaired")
struct DoctorTests {
    static let chain = ["150600", "150603", "150603002", "150603002001"]

    @Test("a poisoned version vector at the street: found, the forged version removed, the street's own write redone, the district accepts again")
    func poisonedVector() throws {
        let t = try Tree(Self.chain)
        let street = t["150603002"], key = Tree.id(1)
        try t["150603002001"].put("person", JSONObject([("id_number", .string(key)), ("name", "张三"), ("community_code", "150603002001")]))
        for c in ["150603002001", "150603002", "150603"] { try t.sync(c) }
        #expect(try street.diagnose(repair: false).isEmpty)
        // What the old parent accepted: a community's version naming the street's own actor at 999999.
        let hlc = HybridClock.timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let forged = GroupVersion(resource: "person", key: key, group: "contact",
                                  dot: Dot(actor: Actor(node: "150603002001", epoch: 1), seq: 50),
                                  vector: VersionVector([Actor(node: "150603002001", epoch: 1): 50, Actor(node: "150603002", epoch: 1): 999_999]),
                                  hlc: hlc, values: JSONObject([("phone", "13800000001")]), scope: "150603002001")
        try street.apply([forged], from: "150603002001")
        try street.put("person", JSONObject([("id_number", .string(key)), ("phone", "13800000002")]))
        // The street's write merged the forged entry: it can never reach the district.
        _ = try? t.sync("150603002")
        #expect(try t["150603"].get("person", key: key)?["phone"] != "13800000002")
        let found = try street.diagnose(repair: false)
        #expect(found.count == 2 && found.allSatisfy { $0.kind == .unverifiableVersion && !$0.repaired }, "\(found)")
        let repaired = try street.diagnose(repair: true)
        #expect(repaired.count == 2 && repaired.allSatisfy(\.repaired))
        #expect(try street.diagnose(repair: false).isEmpty)
        #expect(try street.get("person", key: key)?["phone"] == "13800000002")
        for c in ["150603002", "150603", "150603002001"] { try t.sync(c) }
        #expect(try t["150603"].get("person", key: key)?["phone"] == "13800000002")
        #expect(try t["150603002001"].get("person", key: key)?["phone"] == "13800000002")
        #expect(try street.db.scalarInt("SELECT count(*) FROM _rs_audit WHERE action = 'doctor_removed_version'") == 2)
    }

    @Test("a have-vector counter near 2^63: status still answers, doctor recomputes it, rows without required fields are taken out")
    func counterAndIncompleteRow() throws {
        let t = try Tree(Self.chain)
        let street = t["150603002"]
        try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(2))), ("name", "李四"), ("community_code", "150603002001")]))
        try t.sync("150603002001")
        let actor = try #require(try street.db.scalarInt("SELECT id FROM _rs_actor WHERE name = '150603002001:1'"))
        try street.db.run("UPDATE _rs_have SET seq = ? WHERE actor = ?", Int64.max - 1, actor)
        try street.db.run("INSERT INTO _rs_guard(name) VALUES('x')")
        try street.db.run("INSERT INTO person(id_number) VALUES(?)", Tree.id(3))
        try street.db.run("DELETE FROM _rs_guard")
        _ = try StatusReport.make(street)
        let found = try street.diagnose(repair: false)
        #expect(Set(found.map(\.kind)) == [.counterOutOfRange, .incompleteRow], "\(found)")
        _ = try street.diagnose(repair: true)
        #expect(try street.diagnose(repair: false).isEmpty)
        #expect(try street.haveVector(subtree: "150603002001")[Actor(node: "150603002001", epoch: 1)] == 3)
        try t.sync("150603002001")
        try t.sync("150603002")
    }
}
