import Causality
import JSON

extension Replica {
    /// A record's change history, oldest first: every version held of it, each compared with the
    /// version of its group its writer had seen last (so a field shows from which value to which).
    /// Tag fields show the tag lists. Nil when the record was never held here.
    public func history(_ resourceName: String, key rawKey: String) throws -> [RecordChange]? {
        let r = try resource(resourceName)
        guard let all = try heldVersions(r.name, key: rawKey) else { return nil }
        let key = all[0].version.key
        let versions = all.map(\.version)
        let currentByGroup = Dictionary(grouping: all.filter(\.current).map(\.version), by: \.group)
        func shown(_ v: GroupVersion, _ field: String) -> JSONValue {
            guard policies[r.name]?[v.group]?.isTagSet == true else { return v.values[field] ?? .null }
            return .array(((try? TagElement.decode(v.values[field])) ?? []).map { .string($0.tag) })
        }
        var out: [RecordChange] = []
        for item in all.sorted(by: { ($0.version.hlc, $0.version.dot) < ($1.version.hlc, $1.version.dot) }) {
            let v = item.version
            // The version it replaced: of the same group, seen by its writer, the latest of those.
            let previous = versions.filter { $0.group == v.group && $0.dot != v.dot && v.vector.covers($0.dot) }
                .max { ($0.hlc, $0.dot) < ($1.hlc, $1.dot) }
            var fields: [RecordChange.Field] = []
            for (name, _) in v.values {
                let after = shown(v, name)
                let before = previous.map { shown($0, name) } ?? .null
                // A group's first version: the fields it gives a value; later ones: what changed.
                if previous == nil ? after != .null && after != .array([]) : before != after {
                    fields.append(RecordChange.Field(name: name, before: before, after: after))
                }
            }
            out.append(RecordChange(resource: r.name, key: key, group: v.group, dot: v.dot,
                                    atMilliseconds: HybridClock.milliseconds(of: v.hlc), receivedFrom: item.link,
                                    standing: item.current ? .current : .superseded,
                                    conflict: item.current && (currentByGroup[v.group]?.count ?? 0) > 1, fields: fields))
        }
        return out
    }
}
