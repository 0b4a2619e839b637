import JSON

/// What a version's writer had seen: for each actor, the highest counter of that actor's
/// versions of the same record (and group) it knew. A version is superseded exactly when another
/// version's vector covers its dot; two versions neither of which covers the other are concurrent.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    public private(set) var entries: [Actor: Int64] = [:]

    public init() {}
    public init(_ entries: [Actor: Int64]) { self.entries = entries.filter { $0.value > 0 } }

    public subscript(actor: Actor) -> Int64 { entries[actor] ?? 0 }

    public func covers(_ dot: Dot) -> Bool { self[dot.actor] >= dot.seq }

    /// Every entry of `other` is ≤ this one's.
    public func dominates(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { self[$0.key] >= $0.value }
    }

    public mutating func add(_ dot: Dot) {
        if dot.seq > self[dot.actor] { entries[dot.actor] = dot.seq }
    }

    public mutating func merge(_ other: VersionVector) {
        for (actor, seq) in other.entries where seq > self[actor] { entries[actor] = seq }
    }

    public func merging(_ other: VersionVector) -> VersionVector {
        var v = self
        v.merge(other)
        return v
    }

    /// Entries in actor order, so the encoding is the same on every node.
    public var sorted: [(Actor, Int64)] { entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }

    public var json: JSONValue {
        var o = JSONObject()
        for (actor, seq) in sorted { o.append(actor.description, .int(seq)) }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        guard case .object(let o) = json else { throw CausalityError.malformed("version vector must be an object") }
        // One entry per actor that ever wrote the record's group: a handful in practice.
        guard o.count <= Self.maxEntries else { throw CausalityError.malformed("a version vector holds at most \(Self.maxEntries) actors") }
        for (key, value) in o {
            guard let actor = Actor(key) else { throw CausalityError.malformed("bad actor '\(key)' in version vector") }
            guard let seq = value.int64Value, Dot.isValidSeq(seq) else { throw CausalityError.malformed("bad counter for \(key) (1…\(Dot.maxSeq))") }
            entries[actor] = seq
        }
    }

    public var description: String { json.text }

    /// Bound on the actors one vector may name, so a hostile peer cannot make every merge slow.
    public static let maxEntries = 4096
}

/// Malformed causal metadata (from a peer or a damaged file).
public enum CausalityError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    case clockTooFarAhead(remoteMilliseconds: Int64, localMilliseconds: Int64)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed version metadata: \(why)"
        case .clockTooFarAhead(let r, let l):
            return "a version is timestamped \((r - l) / 1000) s in the future; refusing it (check the sender's clock)"
        }
    }
}
