import Causality
import JSON

/// For each origin actor, the highest counter held with no gap below it. The parent sends its
/// have-vector for the child's subtree at the start of every push, fresh each round (never a
/// cached copy, so a parent restored from a backup simply receives again what it lost).
public struct HaveVector: Equatable, Sendable {
    public var entries: [Actor: Int64]
    public init(_ entries: [Actor: Int64] = [:]) { self.entries = entries }

    public var json: JSONValue {
        var o = JSONObject()
        for (a, s) in entries.sorted(by: { $0.key < $1.key }) { o.append(a.description, .int(s)) }
        return ["have": .object(o)]
    }

    public init(json: JSONValue) throws {
        guard let o = json["have"]?.objectValue else { throw WireError("have must be an object") }
        var e: [Actor: Int64] = [:]
        for (k, v) in o {
            guard let a = Actor(k), let s = v.int64Value, s >= 0 else { throw WireError("bad have entry \(k)") }
            e[a] = s
        }
        entries = e
    }
}
