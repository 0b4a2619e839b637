import Testing
import TestSupport
import JSON
import Standards
@testable import Causality

/// Randomized checks of the merge rules: several actors write to one record's groups with random
/// causal knowledge, then every node-like ordering of the versions must agree.
/// Reproduce a failure with ROOTSYNC_SEED=<seed> swift test --filter CausalityTests.
@Suite("Causality: randomized merge properties")
struct MergePropertyTests {
    static let policies: [String: GroupPolicy] = [
        "name": GroupPolicy(authority: .community, fields: ["name"]),
        "address": GroupPolicy(authority: .street, fields: ["addr", "community_code"]),
        "note": GroupPolicy(authority: nil, fields: ["note"]),
        "tags": GroupPolicy(authority: nil, isTagSet: true, fields: ["tags"]),
    ]
    static let existenceAuthority: DivisionLevel? = .district
    static let dataGroups = ["name", "address", "note"]
    static let nodes = ["150600", "150603", "150603002", "150603002001", "150603002002", "150603001", "150603002003"]

    /// One simulated history of one record.
    struct Simulation {
        var versions: [GroupVersion] = []
        /// What each actor holds: indices into `versions`, closed under causality and per-origin prefix.
        var known: [Set<Int>]
        var actors: [Actor]
        var seqs: [Int64]
        var clocks: [HybridClock]
        var skews: [Int64]
        var wall: Int64 = 1_700_000_000_000
        let learnProbability: Double
        let realisticClock: Bool

        init(rng: inout SplitMix64, fullKnowledge: Bool) {
            let count = Int.random(in: 3...6, using: &rng)
            actors = nodes.shuffled(using: &rng).prefix(count).map {
                Actor(node: $0, epoch: Int.random(in: 1...2, using: &rng))
            }
            known = Array(repeating: [], count: count)
            seqs = Array(repeating: 0, count: count)
            clocks = Array(repeating: HybridClock(), count: count)
            skews = (0..<count).map { _ in Int64.random(in: -5...5, using: &rng) }
            learnProbability = fullKnowledge ? 1 : Double.random(in: 0.1...0.8, using: &rng)
            realisticClock = rng.chance(0.5)
        }

        /// Adds `fresh` to actor `i`'s knowledge with everything it implies: every earlier version of
        /// the same origin (transfer is in seq order) and every version the new ones had seen.
        mutating func learn(_ i: Int, _ fresh: [Int]) {
            var work = fresh.filter { !known[i].contains($0) }
            for j in work { known[i].insert(j) }
            while let j = work.popLast() {
                let v = versions[j]
                for (k, u) in versions.enumerated() where !known[i].contains(k) {
                    let prefix = u.dot.actor == v.dot.actor && u.dot.seq <= v.dot.seq
                    let seen = (u.group == v.group || v.isExistence) && v.vector.covers(u.dot)
                    if prefix || seen {
                        known[i].insert(k)
                        work.append(k)
                    }
                }
            }
        }

        func held(_ i: Int) -> [GroupVersion] { known[i].sorted().map { versions[$0] } }

        mutating func write(_ i: Int, group: String, values: JSONObject, vector base: VersionVector,
                            rng: inout SplitMix64) {
            seqs[i] += 1
            let d = Dot(actor: actors[i], seq: seqs[i])
            var vv = base
            vv.add(d)
            let hlc: Int64
            if realisticClock {
                for v in held(i) { try? clocks[i].observe(v.hlc, now: wall + skews[i]) }
                hlc = clocks[i].tick(now: wall + skews[i])
            } else {
                hlc = Int64.random(in: 1...4, using: &rng) // many ties: exercises the dot tie-break
            }
            versions.append(GroupVersion(resource: "person", key: "k1", group: group, dot: d, vector: vv,
                                         hlc: hlc, values: values, scope: "150603002001"))
            learn(i, [versions.count - 1])
        }

        static func merged(_ versions: [GroupVersion]) -> VersionVector {
            versions.reduce(into: VersionVector()) { $0.merge($1.vector) }
        }

        mutating func step(rng: inout SplitMix64) throws {
            wall += Int64.random(in: 0...3, using: &rng)
            let i = Int.random(in: 0..<actors.count, using: &rng)
            learn(i, versions.indices.filter { _ in rng.chance(learnProbability) })
            let held = held(i)
            let byGroup = Dictionary(grouping: held, by: \.group)
            let current = byGroup.mapValues(Resolution.current(of:))
            let view = try RecordView.resolve(current: current, policies: MergePropertyTests.policies,
                                              existenceAuthority: MergePropertyTests.existenceAuthority)
            func exists(deleted: Bool) {
                // The existence group's vector covers the whole record.
                write(i, group: GroupVersion.existence, values: JSONObject([("deleted", .bool(deleted))]),
                      vector: Self.merged(held), rng: &rng)
            }
            if versions.isEmpty {
                return exists(deleted: false)
            }
            if !view.visible {
                // A deleted record is only written again by re-creating it.
                if rng.chance(0.6) { exists(deleted: false) }
                return
            }
            let roll = Double.random(in: 0..<1, using: &rng)
            if roll < 0.15 {
                exists(deleted: true)
            } else if roll < 0.4 {
                let mine = current["tags"] ?? []
                var elements = try Resolution.mergeTags(mine, field: "tags")
                let tag = ["低保", "残疾", "独居"].randomElement(using: &rng)!
                if rng.chance(0.6) {
                    elements.append(TagElement(tag: tag, dot: Dot(actor: actors[i], seq: seqs[i] + 1)))
                } else {
                    elements.removeAll { $0.tag == tag }
                }
                write(i, group: "tags", values: JSONObject([("tags", TagElement.encode(elements))]),
                      vector: Self.merged(byGroup["tags"] ?? []), rng: &rng)
            } else {
                let group = MergePropertyTests.dataGroups.randomElement(using: &rng)!
                var values = JSONObject()
                for field in MergePropertyTests.policies[group]!.fields {
                    values.append(field, .string("\(field)-\(Int.random(in: 0...2, using: &rng))"))
                }
                write(i, group: group, values: values, vector: Self.merged(byGroup[group] ?? []), rng: &rng)
            }
        }
    }

    static func grouped(_ versions: [GroupVersion]) -> [String: [GroupVersion]] {
        Dictionary(grouping: versions, by: \.group)
    }

    static func view(_ current: [String: [GroupVersion]]) throws -> RecordView {
        try RecordView.resolve(current: current, policies: policies, existenceAuthority: existenceAuthority)
    }

    /// Inserts `versions` one by one into per-group current sets, checking `accepted` against what
    /// was inserted before. Returns the current sets and whether every `accepted` was right.
    static func insertChecked(_ versions: [GroupVersion]) -> (current: [String: [GroupVersion]], acceptedOK: Bool) {
        var current: [String: [GroupVersion]] = [:]
        var seen: [String: [GroupVersion]] = [:]
        var ok = true
        for v in versions {
            let before = seen[v.group] ?? []
            let expected = !before.contains { $0.dot == v.dot || v.isCovered(by: $0) }
            let r = Resolution.insert(v, into: current[v.group] ?? [])
            if r.accepted != expected { ok = false }
            current[v.group] = r.current
            seen[v.group, default: []].append(v)
        }
        return (current, ok)
    }

    static func dots(_ current: [String: [GroupVersion]]) -> [String: [Dot]] {
        current.mapValues { $0.map(\.dot).sorted() }.filter { !$0.value.isEmpty }
    }

    @Test func randomHistoriesConvergeWhateverTheOrder() throws {
        let seed = TestSeed.base
        for iteration in 0..<300 {
            let iterSeed = seed ^ (UInt64(iteration) &* 0x9E37_79B9_7F4A_7C15)
            var rng = SplitMix64(seed: iterSeed)
            let fullKnowledge = rng.chance(0.25)
            var sim = Simulation(rng: &rng, fullKnowledge: fullKnowledge)
            for _ in 0..<Int.random(in: 6...24, using: &rng) { try sim.step(rng: &rng) }
            let all = sim.versions
            let tag = "seed \(seed) iteration \(iteration) (\(all.count) versions, \(sim.actors.count) actors)"
            var failed = false
            func check(_ ok: Bool, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(ok, "\(what)", sourceLocation: sourceLocation)
                if !ok { failed = true }
            }

            let byGroup = Self.grouped(all)
            let reference = byGroup.mapValues(Resolution.current(of:))
            let referenceView = try Self.view(reference)

            // Dot uniqueness in the simulation itself.
            check(Set(all.map(\.dot)).count == all.count, "duplicate dots in \(tag)")

            for round in 0..<4 {
                // (1) Inserting every version one by one, in any order, gives Resolution.current(of:).
                let order = all.shuffled(using: &rng)
                let (current, acceptedOK) = Self.insertChecked(order)
                check(acceptedOK, "insert's accepted flag disagrees with what was inserted before; \(tag) round \(round)")
                check(Self.dots(current) == Self.dots(reference), "insert order changed the current set; \(tag) round \(round)")

                // (2) The record view is a pure function of the versions, not of their order.
                let v = try Self.view(current)
                check(v == referenceView, "record view depends on insertion order; \(tag) round \(round)")

                // Idempotence: inserting anything again changes nothing.
                for again in all.shuffled(using: &rng).prefix(3) {
                    let r = Resolution.insert(again, into: current[again.group] ?? [])
                    check(!r.accepted && r.superseded.isEmpty && r.current == current[again.group] ?? [],
                          "re-inserting \(again.dot) changed the current set; \(tag)")
                }

                // (1') The same for a random subset: what a node holds midway through syncing.
                let subset = order.filter { _ in rng.chance(0.5) }
                let partial = Self.insertChecked(subset.shuffled(using: &rng))
                check(partial.acceptedOK, "accepted flag wrong on a subset; \(tag) round \(round)")
                check(Self.dots(partial.current) == Self.dots(Self.grouped(subset).mapValues(Resolution.current(of:))),
                      "subset insert order changed the current set; \(tag) round \(round)")
                let partialView = try Self.view(partial.current)
                let partialView2 = try Self.view(Self.insertChecked(subset.reversed()).current)
                check(partialView == partialView2, "subset record view depends on order; \(tag) round \(round)")
            }

            for (group, versions) in byGroup {
                let current = reference[group] ?? []
                let currentDots = Set(current.map(\.dot))
                // (3) No lost write: every version is current or superseded by a current version that had seen it.
                for v in versions where !currentDots.contains(v.dot) {
                    check(current.contains { v.isCovered(by: $0) }, "\(v.dot) in \(group) lost; \(tag)")
                }
                // Current versions are pairwise concurrent.
                for a in current { for b in current where a.dot != b.dot {
                    check(!a.isCovered(by: b), "\(a.dot) and \(b.dot) both current but sequential; \(tag)")
                } }
                // (4) Two sequential writes never conflict: the later alone is current, in either order.
                for a in versions { for b in versions where a.isCovered(by: b) {
                    check(sortedDots(insertAll([a, b])) == [b.dot] && sortedDots(insertAll([b, a])) == [b.dot]
                            && sortedDots(Resolution.current(of: [a, b])) == [b.dot],
                          "sequential \(a.dot) → \(b.dot) not superseded; \(tag)")
                    if let policy = Self.policies[group] {
                        check(!Resolution.isConflict(Resolution.current(of: [a, b]), policy: policy),
                              "sequential \(a.dot) → \(b.dot) conflict; \(tag)")
                    }
                } }
                // No silent overwrite: concurrent differing values are always listed.
                if let policy = Self.policies[group], !policy.isTagSet,
                   current.contains(where: { $0.values != current[0].values }) {
                    check(referenceView.conflicts.contains(group), "silent overwrite in \(group); \(tag)")
                }
            }
            let existence = reference[GroupVersion.existence] ?? []
            if Set(existence.map(\.isDelete)).count > 1 {
                check(referenceView.conflicts.contains(GroupVersion.existence), "delete/live conflict not listed; \(tag)")
            }
            // A hidden record has no current data version that a current delete had not seen.
            if !referenceView.visible {
                let deletes = existence.filter(\.isDelete)
                for (group, current) in reference where group != GroupVersion.existence {
                    for v in current {
                        check(deletes.contains { $0.vector.covers(v.dot) }, "hidden record drops \(v.dot); \(tag)")
                    }
                }
            }

            if fullKnowledge {
                // Every write saw all before it: one current version per group, never a conflict.
                for (group, current) in reference {
                    check(current.count == 1, "\(group) has \(current.count) current versions with full knowledge; \(tag)")
                }
                check(referenceView.conflicts.isEmpty, "conflicts \(referenceView.conflicts) with full knowledge; \(tag)")
                if let last = all.last(where: \.isExistence) {
                    check(referenceView.deleted == last.isDelete && referenceView.visible == !last.isDelete,
                          "existence does not follow the last write; \(tag)")
                }
            }
            if failed { break } // one reproducible failure is enough
        }
    }
}
