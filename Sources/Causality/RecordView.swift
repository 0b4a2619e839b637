import JSON
import Standards

/// What a record looks like given its current versions: whether it is visible, the value of
/// each field, and which groups hold an open conflict. A pure function of the current sets.
public struct RecordView: Sendable, Equatable {
    /// False when the record is deleted with no concurrent update outstanding, or when no
    /// existence version has arrived yet.
    public var visible: Bool
    /// True when the existence winner is a delete (a tombstone), even if still visible.
    public var deleted: Bool
    /// Field → visible value (tag fields: a sorted array of distinct tags).
    public var values: [String: JSONValue]
    /// Groups with an open conflict; `_exists` means an update concurrent with a delete.
    public var conflicts: [String]
    /// The winning version's dot for each group, so callers can explain where a value came from.
    public var winners: [String: Dot]

    /// Resolves one record. `current` maps group name → current versions of that group.
    public static func resolve(current: [String: [GroupVersion]], policies: [String: GroupPolicy],
                               existenceAuthority: DivisionLevel? = nil) throws -> RecordView {
        var view = RecordView(visible: true, deleted: false, values: [:], conflicts: [], winners: [:])
        // Sized once: growing the dictionaries field by field was half of resolving a record.
        view.values.reserveCapacity(policies.values.reduce(0) { $0 + $1.fields.count })
        view.winners.reserveCapacity(policies.count + 1)
        let existence = current[GroupVersion.existence] ?? []
        // Until a version saying the record exists has arrived, its other versions wait unseen.
        if existence.isEmpty { view.visible = false }
        if let win = Resolution.winner(existence, authority: existenceAuthority) {
            view.winners[GroupVersion.existence] = win.dot
            view.deleted = win.isDelete
            if existence.contains(where: \.isDelete) && existence.contains(where: { !$0.isDelete }) { view.conflicts.append(GroupVersion.existence) }
        }
        for (group, policy) in policies.sorted(by: { $0.key < $1.key }) {
            let versions = current[group] ?? []
            guard !versions.isEmpty else { continue }
            if policy.isTagSet {
                for field in policy.fields {
                    let tags = try Resolution.mergeTags(versions, field: field)
                    var seen = Set<String>()
                    let distinct = tags.map(\.tag).filter { seen.insert($0).inserted }
                    view.values[field] = .array(distinct.map { .string($0) })
                }
                continue
            }
            guard let win = Resolution.winner(versions, authority: policy.authority) else { continue }
            view.winners[group] = win.dot
            for field in policy.fields { view.values[field] = win.values[field] ?? .null }
            if Resolution.isConflict(versions, policy: policy) { view.conflicts.append(group) }
        }
        if view.deleted && !view.conflicts.contains(GroupVersion.existence) {
            // An update the delete's writer had not seen keeps the record visible, as a conflict;
            // so does a concurrent re-creation (a live existence version beside the delete).
            let deletes = existence.filter(\.isDelete)
            let concurrentUpdate = current.contains { group, versions in
                group != GroupVersion.existence && versions.contains { v in
                    !deletes.contains { $0.vector.covers(v.dot) }
                }
            }
            if concurrentUpdate {
                if !view.conflicts.contains(GroupVersion.existence) { view.conflicts.append(GroupVersion.existence) }
            } else {
                view.visible = false
            }
        }
        view.conflicts.sort()
        return view
    }
}
