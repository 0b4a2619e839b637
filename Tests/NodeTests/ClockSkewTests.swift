import Causality
import Foundation
import JSON
import Testing
@testable import Node
@testable import Replica

/// A node whose clock runs far ahead: its parent refuses its versions one by one (set aside at the
/// child, with the reason), its clock never moves the parent's, and it keeps syncing the rest.
@Suite("Clock skew")
struct ClockSkewTests {
    func person(_ seq: Int, name: String = "居民") -> JSONObject {
        JSONObject([("id_number", .string(Tree.id(seq))), ("name", .string(name)), ("community_code", "150603002001")])
    }

    @Test("a child three hours ahead is refused version by version, poisons no clock and still receives everything")
    func childFarAhead() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        let community = t["150603002001"], street = t["150603002"]
        let threeHours: Int64 = 3 * 3600 * 1000
        community.now = { Int64(Date().timeIntervalSince1970 * 1000) + threeHours }
        try community.put("person", person(1))
        let written = try community.db.scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_version") ?? 0
        let report = try t.sync("150603002001")
        // Each of the write's versions (existence, identity, residence) is refused and set aside.
        #expect(written > 0 && report.setAside == written, "\(report)")
        let aside = try community.setAsideVersions()
        #expect(aside.count == written && aside.allSatisfy { $0.reason.contains("ahead of this node's clock") }, "\(aside.map(\.reason))")
        #expect(try street.get("person", key: Tree.id(1)) == nil)
        // The street's clock stays where real time is.
        let streetClock = HybridClock.milliseconds(of: try street.clock().last)
        #expect(streetClock <= Int64(Date().timeIntervalSince1970 * 1000) + 60_000)
        // Everything else still flows: the street's write reaches the community in the same kind of round.
        try street.put("person", person(2))
        let next = try t.sync("150603002001")
        #expect(next.pulled > 0)
        #expect(try community.get("person", key: Tree.id(2)) != nil)
        // A round later nothing is sent again, nothing wedges.
        #expect(try t.sync("150603002001").setAside == 0)
    }

    @Test("a child a few minutes ahead (within the bound) syncs as usual")
    func childSlightlyAhead() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        t["150603002001"].now = { Int64(Date().timeIntervalSince1970 * 1000) + 4 * 60 * 1000 }
        try t["150603002001"].put("person", person(1))
        #expect(try t.sync("150603002001").setAside == 0)
        #expect(try t["150603002"].get("person", key: Tree.id(1)) != nil)
    }
}
