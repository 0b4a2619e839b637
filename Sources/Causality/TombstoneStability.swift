/// Which deleted records may be forgotten, a pure rule over a record's versions (the root applies
/// it only to records whose every version arrived before its stable position, see Replica+Purge).
public enum TombstoneStability {
    /// The union of the record's deletes' vectors (with their own dots) when that covers every
    /// version of the record — nothing was written without seeing a delete, so nothing can come
    /// back concurrent with it — and the newest delete is older than `deletedBefore` (ms since
    /// 1970: operators keep deleted records for a while, for audit). Nil otherwise.
    public static func purgeable(_ versions: [GroupVersion], deletedBefore: Int64) -> VersionVector? {
        let deletes = versions.filter(\.isDelete)
        guard !deletes.isEmpty else { return nil }
        var covered = VersionVector()
        for d in deletes {
            covered.merge(d.vector)
            covered.add(d.dot)
        }
        guard versions.allSatisfy({ covered.covers($0.dot) }) else { return nil }
        guard deletes.allSatisfy({ HybridClock.milliseconds(of: $0.hlc) < deletedBefore }) else { return nil }
        return covered
    }
}
