import JSON
import Testing
@testable import Causality

/// Which deleted records are purgeable: all versions covered by the deletes, and old enough.
@Suite("Tombstone stability")
struct TombstoneStabilityTests {
    let a = Actor(node: "150603002001", epoch: 1), b = Actor(node: "150600", epoch: 1)

    func version(_ actor: Actor, _ seq: Int64, _ group: String, seen: [Actor: Int64] = [:], deleted: Bool? = nil, at ms: Int64 = 1_000) -> GroupVersion {
        var vector = VersionVector(seen)
        vector.add(Dot(actor: actor, seq: seq))
        let values: JSONObject = deleted.map { JSONObject([("deleted", .bool($0))]) } ?? JSONObject([("name", "张三")])
        return GroupVersion(resource: "person", key: "k", group: deleted == nil ? group : GroupVersion.existence,
                            dot: Dot(actor: actor, seq: seq), vector: vector, hlc: ms << 16, values: values, scope: "150603002001")
    }

    @Test func aDeleteThatSawEverythingIsPurgeable() {
        let create = version(a, 1, "", deleted: false), name = version(a, 2, "identity")
        let delete = version(b, 1, "", seen: [a: 2], deleted: true, at: 5_000)
        let covered = TombstoneStability.purgeable([create, name, delete], deletedBefore: 6_000)
        #expect(covered == VersionVector([a: 2, b: 1]))
    }

    @Test func aVersionTheDeleteHadNotSeenKeepsIt() {
        let create = version(a, 1, "", deleted: false), name = version(a, 2, "identity"), late = version(a, 3, "identity", seen: [a: 2])
        let delete = version(b, 1, "", seen: [a: 2], deleted: true)
        #expect(TombstoneStability.purgeable([create, name, delete, late], deletedBefore: .max) == nil)
    }

    @Test func noDeleteNoPurge() {
        #expect(TombstoneStability.purgeable([version(a, 1, "", deleted: false)], deletedBefore: .max) == nil)
    }

    @Test func aRecentDeleteWaitsForTheRetention() {
        let create = version(a, 1, "", deleted: false)
        let delete = version(a, 2, "", seen: [a: 1], deleted: true, at: 5_000)
        #expect(TombstoneStability.purgeable([create, delete], deletedBefore: 5_000) == nil)
        #expect(TombstoneStability.purgeable([create, delete], deletedBefore: 5_001) != nil)
    }

    @Test func twoDeletesTogetherCoverWhatEachSaw() {
        let create = version(a, 1, "", deleted: false), edit = version(b, 1, "identity", seen: [a: 1])
        let d1 = version(a, 2, "", seen: [a: 1], deleted: true), d2 = version(b, 2, "", seen: [a: 1, b: 1], deleted: true)
        #expect(TombstoneStability.purgeable([create, edit, d1, d2], deletedBefore: .max) == VersionVector([a: 2, b: 2]))
    }
}
