import Testing
import TestSupport
import JSON
import Standards
@testable import Causality

@Suite("Causality: current sets, winners, tags, record views")
struct ResolutionTests {
    let c1 = "150603002001:1" // community
    let c2 = "150603002002:1" // another community
    let st = "150603002:1"    // street
    let di = "150603:1"       // district
    let ci = "150600:1"       // city

    // MARK: insert

    @Test func sequentialWritesSupersede() {
        let v1 = version(c1, 1, values: values(("name", "张三")))
        let v2 = version(st, 1, seen: [v1.dot], values: values(("name", "张三丰")))
        let v3 = version(c1, 2, seen: [v1.dot, v2.dot], values: values(("name", "张三")))

        var r = Resolution.insert(v1, into: [])
        #expect(r.accepted && r.superseded.isEmpty && r.current == [v1])
        r = Resolution.insert(v2, into: r.current)
        #expect(r.accepted && r.superseded == [v1.dot] && r.current == [v2])
        r = Resolution.insert(v3, into: r.current)
        #expect(r.accepted && r.superseded == [v2.dot] && r.current == [v3])
        #expect(!Resolution.isConflict(r.current, policy: GroupPolicy(authority: nil, fields: ["name"])))
        #expect(Resolution.current(of: [v3, v1, v2]) == [v3])
    }

    @Test func concurrentWritesAreBothCurrent() {
        let base = version(c1, 1, values: values(("name", "a")))
        let x = version(c1, 2, seen: [base.dot], values: values(("name", "b")))
        let y = version(di, 1, seen: [base.dot], values: values(("name", "c")))
        let current = insertAll([base, x, y])
        #expect(sortedDots(current) == [x.dot, y.dot].sorted())
        #expect(sortedDots(Resolution.current(of: [y, base, x])) == [x.dot, y.dot].sorted())
        #expect(Resolution.isConflict(current, policy: GroupPolicy(authority: nil, fields: ["name"])))

        // A resolution that had seen both supersedes both.
        let fix = version(st, 1, seen: [x.dot, y.dot, base.dot], values: values(("name", "b")))
        let r = Resolution.insert(fix, into: current)
        #expect(r.accepted && r.current == [fix])
        #expect(Set(r.superseded) == [x.dot, y.dot])
    }

    @Test func lateSupersededVersionIsNotAccepted() {
        let v1 = version(c1, 1, values: values(("name", "a")))
        let v2 = version(di, 1, seen: [v1.dot], values: values(("name", "b")))
        let v3 = version(st, 1, seen: [v1.dot, v2.dot], values: values(("name", "c")))
        // v3 arrives first, then the versions it superseded.
        var current = Resolution.insert(v3, into: []).current
        for late in [v1, v2] {
            let r = Resolution.insert(late, into: current)
            #expect(!r.accepted, "\(late.dot) was already superseded")
            #expect(r.superseded.isEmpty)
            #expect(r.current == [v3])
            current = r.current
        }
    }

    @Test func duplicateDotIsNotAccepted() {
        let v1 = version(c1, 1, values: values(("name", "a")))
        let other = version(di, 1, values: values(("name", "b")))
        let current = insertAll([v1, other])
        let again = Resolution.insert(v1, into: current)
        #expect(!again.accepted && again.superseded.isEmpty && again.current == current)
        // Even a different body under the same dot does not replace what is held (dot uniqueness).
        let forged = version(c1, 1, seen: [other.dot], values: values(("name", "forged")))
        let r = Resolution.insert(forged, into: current)
        #expect(!r.accepted && r.current == current)
    }

    // MARK: winner

    @Test func authorityBeatsLaterHLC() {
        let community = version(c1, 1, hlc: 100, values: values(("name", "community")))
        let district = version(di, 1, hlc: 900, values: values(("name", "district")))
        let city = version(ci, 1, hlc: 950, values: values(("name", "city")))
        let all = [district, community, city]
        #expect(Resolution.winner(all, authority: .community)?.dot == community.dot)
        #expect(Resolution.winner(all, authority: .district)?.dot == district.dot)
        #expect(Resolution.winner(all, authority: .city)?.dot == city.dot)
        // No authority, or an authority nobody here has: latest HLC.
        #expect(Resolution.winner(all, authority: nil)?.dot == city.dot)
        #expect(Resolution.winner(all, authority: .street)?.dot == city.dot)
        // Two versions from the authoritative level: HLC decides between them.
        let community2 = version(c2, 1, hlc: 200, values: values(("name", "community2")))
        #expect(Resolution.winner(all + [community2], authority: .community)?.dot == community2.dot)
        #expect(Resolution.winner([], authority: .community) == nil)
    }

    @Test func hlcThenDotBreakTies() {
        let early = version(c2, 1, hlc: 5, values: values(("name", "early")))
        let late = version(c1, 1, hlc: 6, values: values(("name", "late")))
        #expect(Resolution.winner([late, early], authority: nil)?.dot == late.dot)
        #expect(Resolution.winner([early, late], authority: nil)?.dot == late.dot)

        // Equal HLC: the greater dot (node, then epoch, then seq).
        let a = version(c1, 3, hlc: 7, values: values(("name", "a")))
        let b = version(c2, 1, hlc: 7, values: values(("name", "b")))
        #expect(Resolution.winner([a, b], authority: nil)?.dot == b.dot)
        #expect(Resolution.winner([b, a], authority: nil)?.dot == b.dot)
        let e1 = version("150603002001:1", 9, hlc: 7, values: values(("name", "e1")))
        let e2 = version("150603002001:2", 1, hlc: 7, values: values(("name", "e2")))
        #expect(Resolution.winner([e2, e1], authority: nil)?.dot == e2.dot)
        #expect(Resolution.winner([e1, e2], authority: nil)?.dot == e2.dot)
        #expect(Resolution.ranks(e2, above: e1, authority: nil))
        #expect(!Resolution.ranks(e1, above: e2, authority: nil))
        #expect(!Resolution.ranks(e1, above: e1, authority: nil))
    }

    @Test func winnerIsTheSameForEveryInputOrder() {
        let seed = TestSeed.base
        var rng = SplitMix64(seed: seed)
        let writers = [c1, c2, st, di, ci, "150603002001:2", "150603001:1", "150603002003:1"]
        var versions: [GroupVersion] = []
        for (i, w) in writers.enumerated() {
            versions.append(version(w, Int64(1 + i % 3), hlc: Int64.random(in: 1...3, using: &rng),
                                    values: values(("name", .int(i)))))
        }
        for authority: DivisionLevel? in [nil, .community, .street, .district, .city, .province] {
            let expected = Resolution.winner(versions, authority: authority)
            // The expected winner beats every other version under the ranking, so it is a true maximum.
            for v in versions where v.dot != expected?.dot {
                #expect(Resolution.ranks(expected!, above: v, authority: authority), "seed \(seed)")
            }
            for _ in 0..<50 {
                let shuffled = versions.shuffled(using: &rng)
                #expect(Resolution.winner(shuffled, authority: authority)?.dot == expected?.dot,
                        "seed \(seed) authority \(String(describing: authority))")
            }
        }
    }

    // MARK: tags

    private let tagPolicy = GroupPolicy(authority: nil, isTagSet: true, fields: ["tags"])

    private func tags(_ versions: [GroupVersion]) throws -> [String] {
        try Resolution.mergeTags(versions, field: "tags").map(\.tag)
    }

    @Test func concurrentTagAddsAreBothKept() throws {
        let a = version(c1, 1, group: "tags", values: tagValues("tags", [TagElement(tag: "低保", dot: dot(c1, 1))]))
        let b = version(di, 1, group: "tags", values: tagValues("tags", [TagElement(tag: "残疾", dot: dot(di, 1))]))
        let current = insertAll([a, b])
        #expect(current.count == 2)
        #expect(try tags(current) == ["低保", "残疾"].sorted())
        #expect(try tags(current.reversed()) == ["低保", "残疾"].sorted())
        #expect(!Resolution.isConflict(current, policy: tagPolicy))

        // The same tag added concurrently twice: two elements, one visible tag.
        let a2 = version(c2, 1, group: "tags", values: tagValues("tags", [TagElement(tag: "残疾", dot: dot(c2, 1))]))
        let three = insertAll([a, b, a2])
        #expect(try Resolution.mergeTags(three, field: "tags").count == 3)
        let view = try RecordView.resolve(current: ["tags": three], policies: ["tags": tagPolicy])
        #expect(view.values["tags"] == ["低保", "残疾"].sorted().map { JSONValue.string($0) }.asArray)
        #expect(view.conflicts.isEmpty)
    }

    @Test func removalRemovesOnlyWhatItsWriterHadSeen() throws {
        let eA = TagElement(tag: "低保", dot: dot(c1, 1))
        let add = version(c1, 1, group: "tags", values: tagValues("tags", [eA]))
        // The district saw the community's add and removes 低保.
        let remove = version(di, 1, group: "tags", seen: [add.dot], values: tagValues("tags", []))
        // Concurrently the street, which had also seen the first add, adds 低保 again (new element).
        let eS = TagElement(tag: "低保", dot: dot(st, 1))
        let readd = version(st, 1, group: "tags", seen: [add.dot], values: tagValues("tags", [eA, eS]))

        #expect(try tags(insertAll([add, remove])) == [])
        let current = insertAll([add, remove, readd])
        #expect(sortedDots(current) == [remove.dot, readd.dot].sorted())
        // The removal only removed eA; eS, which its writer had not seen, survives (add-wins).
        #expect(try Resolution.mergeTags(current, field: "tags") == [eS])
        #expect(try Resolution.mergeTags(current.reversed(), field: "tags") == [eS])

        // A removal that had not seen an element cannot remove it.
        let eC = TagElement(tag: "独居", dot: dot(c2, 1))
        let other = version(c2, 1, group: "tags", values: tagValues("tags", [eC]))
        let blindRemove = version(ci, 1, group: "tags", values: tagValues("tags", []))
        #expect(try Resolution.mergeTags(insertAll([other, blindRemove]), field: "tags") == [eC])
    }

    @Test func reAddingAfterRemovalWorks() throws {
        let e1 = TagElement(tag: "低保", dot: dot(c1, 1))
        let add = version(c1, 1, group: "tags", values: tagValues("tags", [e1]))
        let remove = version(c1, 2, group: "tags", seen: [add.dot], values: tagValues("tags", []))
        let e3 = TagElement(tag: "低保", dot: dot(c1, 3))
        let readd = version(c1, 3, group: "tags", seen: [add.dot, remove.dot], values: tagValues("tags", [e3]))
        #expect(try tags(insertAll([add, remove])) == [])
        let current = insertAll([readd, add, remove])
        #expect(current == [readd])
        #expect(try Resolution.mergeTags(current, field: "tags") == [e3])
        // Also when the re-add is concurrent with another removal that saw only the first add.
        let otherRemove = version(di, 1, group: "tags", seen: [add.dot], values: tagValues("tags", []))
        let both = insertAll([add, remove, readd, otherRemove])
        #expect(try Resolution.mergeTags(both, field: "tags") == [e3])
    }

    // MARK: RecordView

    private let policies: [String: GroupPolicy] = [
        "name": GroupPolicy(authority: .community, fields: ["name"]),
        "address": GroupPolicy(authority: .street, fields: ["addr", "community_code"]),
        "tags": GroupPolicy(authority: nil, isTagSet: true, fields: ["tags"]),
    ]

    private func exists(_ w: String, _ seq: Int64, seen: [Dot] = [], hlc: Int64 = 1, deleted: Bool) -> GroupVersion {
        version(w, seq, group: GroupVersion.existence, seen: seen, hlc: hlc, values: values(("deleted", .bool(deleted))))
    }

    @Test func concurrentDifferentValuesAreAConflict() throws {
        let create = exists(c1, 1, deleted: false)
        let n1 = version(c1, 2, hlc: 1, values: values(("name", "张三")))
        let n2 = version(di, 1, hlc: 5, values: values(("name", "张叁")))
        let view = try RecordView.resolve(current: [GroupVersion.existence: [create], "name": [n1, n2]], policies: policies)
        #expect(view.visible && !view.deleted)
        #expect(view.conflicts == ["name"])
        #expect(view.values["name"] == "张三") // community is the authority for names
        #expect(view.winners["name"] == n1.dot)
        #expect(view.values["addr"] == nil) // a group never written has no value
    }

    @Test func concurrentIdenticalValuesAreNoConflict() throws {
        let n1 = version(c1, 1, values: values(("name", "张三")))
        let n2 = version(di, 1, hlc: 9, values: values(("name", "张三")))
        let a1 = version(st, 1, group: "address", values: values(("addr", "建设路 1 号"), ("community_code", "150603002001")))
        let a2 = version(c1, 2, group: "address", values: values(("addr", "建设路 1 号"), ("community_code", "150603002001")))
        let view = try RecordView.resolve(current: ["name": [n1, n2], "address": [a2, a1]], policies: policies)
        #expect(view.conflicts.isEmpty)
        #expect(view.values["name"] == "张三")
        #expect(view.values["community_code"] == "150603002001")
        #expect(view.winners["address"] == a1.dot) // street is the authority for addresses
    }

    @Test func deleteHidesTheRecord() throws {
        let create = exists(c1, 1, deleted: false)
        let name = version(c1, 2, values: values(("name", "张三")))
        let del = exists(di, 1, seen: [create.dot, name.dot], hlc: 2, deleted: true)
        let ex = insertAll([create, del])
        #expect(ex == [del])
        let view = try RecordView.resolve(current: [GroupVersion.existence: ex, "name": [name]], policies: policies)
        #expect(!view.visible && view.deleted)
        #expect(view.conflicts.isEmpty)
        #expect(view.winners[GroupVersion.existence] == del.dot)
    }

    @Test func updateConcurrentWithDeleteKeepsRecordVisibleAsConflict() throws {
        let create = exists(c1, 1, deleted: false)
        let name = version(c1, 2, values: values(("name", "张三")))
        let del = exists(di, 1, seen: [create.dot, name.dot], hlc: 5, deleted: true)
        // The community updates the name without having seen the delete.
        let update = version(c1, 3, seen: [name.dot], hlc: 3, values: values(("name", "张三丰")))
        let nameCurrent = insertAll([name, update])
        let view = try RecordView.resolve(current: [GroupVersion.existence: [del], "name": nameCurrent], policies: policies)
        #expect(view.visible)
        #expect(view.deleted)
        #expect(view.conflicts == [GroupVersion.existence])
        #expect(view.values["name"] == "张三丰")
        // The same with the update in another group and tags.
        let addr = version(st, 1, group: "address", values: values(("addr", "x"), ("community_code", "150603002001")))
        let view2 = try RecordView.resolve(current: [GroupVersion.existence: [del], "name": [name], "address": [addr]],
                                           policies: policies)
        #expect(view2.visible && view2.conflicts == [GroupVersion.existence])
    }

    @Test func deleteThatHadSeenTheUpdateHides() throws {
        let create = exists(c1, 1, deleted: false)
        let name = version(c1, 2, values: values(("name", "张三")))
        let update = version(c1, 3, seen: [name.dot], values: values(("name", "张三丰")))
        let del = exists(di, 1, seen: [create.dot, name.dot, update.dot], hlc: 1, deleted: true)
        let view = try RecordView.resolve(current: [GroupVersion.existence: insertAll([create, del]), "name": [update]],
                                          policies: policies)
        #expect(!view.visible && view.deleted && view.conflicts.isEmpty)
    }

    @Test func concurrentDeleteAndUndeleteIsAnExistenceConflict() throws {
        let create = exists(c1, 1, deleted: false)
        let del = exists(di, 1, seen: [create.dot], hlc: 5, deleted: true)
        let keep = exists(c1, 2, seen: [create.dot], hlc: 3, deleted: false)
        let view = try RecordView.resolve(current: [GroupVersion.existence: insertAll([create, del, keep])],
                                          policies: policies, existenceAuthority: .community)
        #expect(view.conflicts == [GroupVersion.existence])
        #expect(!view.deleted && view.visible) // the community is the authority on existence here
        #expect(view.winners[GroupVersion.existence] == keep.dot)
    }
}

extension Array where Element == JSONValue {
    var asArray: JSONValue { .array(self) }
}

extension ResolutionTests {
    @Test func concurrentDeleteWinningOverUndeleteStillKeepsTheRecordVisible() throws {
        let create = exists(c1, 1, deleted: false)
        let del = exists(di, 1, seen: [create.dot], hlc: 5, deleted: true)
        let keep = exists(c1, 2, seen: [create.dot], hlc: 3, deleted: false)
        // No authority: the later delete wins the rank, but the conflict keeps the record visible.
        let view = try RecordView.resolve(current: [GroupVersion.existence: insertAll([create, del, keep])],
                                          policies: policies, existenceAuthority: nil)
        #expect(view.deleted)
        #expect(view.visible)
        #expect(view.conflicts == [GroupVersion.existence])
    }
}
