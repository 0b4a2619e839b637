import Causality
import JSON

/// For each origin actor, the highest counter held with no gap below it. The parent sends its
/// have-vector for the child's subtree at the start of every push, fresh each round (never a
/// cached copy, so a parent restored from a backup simply receives again what it lost).
public struct HaveVector: Equatable, Sendable {
    /// One held version of the child's own writer, named by counter and a digest of what it is:
    /// the child compares it with its own version of that counter, and a difference means the
    /// same counter was used twice (a replica rolled back together with its lease).
    public struct Fingerprint: Equatable, Sendable {
        public var seq: Int64
        public var digest: String
        public init(seq: Int64, digest: String) {
            self.seq = seq
            self.digest = digest
        }
    }

    public var entries: [Actor: Int64]
    public var fingerprints: [Actor: Fingerprint]
    public init(_ entries: [Actor: Int64] = [:], fingerprints: [Actor: Fingerprint] = [:]) {
        self.entries = entries
        self.fingerprints = fingerprints
    }

    public var json: JSONValue {
        var o = JSONObject()
        for (a, s) in entries.sorted(by: { $0.key < $1.key }) { o.append(a.description, .int(s)) }
        guard !fingerprints.isEmpty else { return ["have": .object(o)] }
        var f = JSONObject()
        for (a, p) in fingerprints.sorted(by: { $0.key < $1.key }) { f.append(a.description, [.int(p.seq), .string(p.digest)]) }
        return ["have": .object(o), "fingerprints": .object(f)]
    }

    public init(json: JSONValue) throws {
        guard let o = json["have"]?.objectValue else { throw WireError("have must be an object") }
        var e: [Actor: Int64] = [:]
        for (k, v) in o {
            guard let a = Actor(k), let s = v.int64Value, s >= 0 else { throw WireError("bad have entry \(k)") }
            e[a] = s
        }
        entries = e
        var f: [Actor: Fingerprint] = [:]
        for (k, v) in json["fingerprints"]?.objectValue ?? JSONObject() {
            guard let a = Actor(k), let pair = v.arrayValue, pair.count == 2, let s = pair[0].int64Value, let d = pair[1].stringValue,
                  d.utf8.count <= 128 else { throw WireError("bad fingerprint \(k)") }
            f[a] = Fingerprint(seq: s, digest: d)
        }
        fingerprints = f
    }
}
