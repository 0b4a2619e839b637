import JSON
import Standards

/// The merge rules, as pure functions of a set of versions, so every node computes the same
/// visible record from the same versions whatever order they arrived in.
public enum Resolution {
    /// The versions no other version covers: the current set of one record's group.
    public static func current(of versions: [GroupVersion]) -> [GroupVersion] {
        versions.filter { v in !versions.contains { v.isCovered(by: $0) } }
    }

    /// Adds a version to a current set. Returns the new current set and the dots it superseded;
    /// `accepted` is false when the version was itself already superseded (it is still kept as
    /// history by the caller, just not current).
    public static func insert(_ v: GroupVersion, into current: [GroupVersion])
        -> (current: [GroupVersion], superseded: [Dot], accepted: Bool) {
        if current.contains(where: { $0.dot == v.dot || v.isCovered(by: $0) }) {
            return (current, [], false)
        }
        var kept: [GroupVersion] = []
        var superseded: [Dot] = []
        for w in current {
            if w.isCovered(by: v) { superseded.append(w.dot) } else { kept.append(w) }
        }
        kept.append(v)
        return (kept, superseded, true)
    }

    /// True when `a` ranks above `b`: the authoritative level for the group first (一数一源),
    /// then the later hybrid timestamp, then the greater dot. A total order, the same everywhere.
    public static func ranks(_ a: GroupVersion, above b: GroupVersion, authority: DivisionLevel?) -> Bool {
        let ra = authority != nil && a.dot.actor.level == authority
        let rb = authority != nil && b.dot.actor.level == authority
        if ra != rb { return ra }
        if a.hlc != b.hlc { return a.hlc > b.hlc }
        return a.dot > b.dot
    }

    /// The visible version among concurrent ones.
    public static func winner(_ current: [GroupVersion], authority: DivisionLevel?) -> GroupVersion? {
        current.max { ranks($1, above: $0, authority: authority) }
    }

    /// The visible tag elements of a tag field: an element survives when every current version
    /// either holds it or had not seen it (so a removal only removes what its writer saw).
    public static func mergeTags(_ current: [GroupVersion], field: String) throws -> [TagElement] {
        let sets = try current.map { (v: $0, elements: Set(try TagElement.decode($0.values[field]))) }
        var out = Set<TagElement>()
        for (_, elements) in sets {
            for e in elements where sets.allSatisfy({ $0.elements.contains(e) || !$0.v.vector.covers(e.dot) }) {
                out.insert(e)
            }
        }
        return out.sorted()
    }

    /// Concurrent versions conflict when they say different things; identical values lose nothing.
    public static func isConflict(_ current: [GroupVersion], policy: GroupPolicy) -> Bool {
        guard current.count > 1, !policy.isTagSet else { return false }
        return current.contains { $0.values != current[0].values }
    }
}
