import Causality
import JSON

/// A push: versions the parent lacks, the catalogue version they need, and per actor the counter
/// range the batch covers completely (so the parent's have-vector can step over versions that
/// are never shared, such as those of 不予共享 resources).
public struct PushBatch: Sendable {
    public var versions: [GroupVersion]
    public var catalogue: Int
    public var through: [Actor: (from: Int64, to: Int64)]
    /// The child's own current writer (node:epoch): how the parent learns an epoch the child
    /// took (a restore, a re-created node) before it has any of its versions. Absent from older
    /// children; then only the epoch after the newest the parent holds is accepted.
    public var writer: Actor?

    public init(versions: [GroupVersion], catalogue: Int, through: [Actor: (from: Int64, to: Int64)] = [:], writer: Actor? = nil) {
        self.versions = versions
        self.catalogue = catalogue
        self.through = through
        self.writer = writer
    }

    public var json: JSONValue {
        var t = JSONObject()
        for (a, r) in through.sorted(by: { $0.key < $1.key }) { t.append(a.description, [.int(r.from), .int(r.to)]) }
        var o: JSONObject = ["catalogue": .int(catalogue), "through": .object(t), "versions": VersionBatch.encode(versions)]
        if let writer { o["writer"] = .string(writer.description) }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        versions = try VersionBatch.decode(json["versions"])
        // Absent: the data needs no particular catalogue (protocol 1 allowed leaving it out).
        let c = try json["catalogue"].map { value -> Int64 in
            guard let c = value.int64Value, c >= 0, c <= Int64(Int32.max) else {
                throw WireError("catalogue must be a catalogue version (0…\(Int32.max))")
            }
            return c
        } ?? 0
        catalogue = Int(c)
        var t: [Actor: (from: Int64, to: Int64)] = [:]
        guard let given = json["through"].map({ $0.objectValue }) ?? JSONObject() else { throw WireError("through must be an object") }
        guard given.count <= 10_000 else { throw WireError("through: too many actors") }
        for (k, v) in given {
            // Counters are 1…Dot.maxSeq, so `to + 1` can never overflow on the parent.
            guard let a = Actor(k), let pair = v.arrayValue, pair.count == 2, let from = pair[0].int64Value, let to = pair[1].int64Value,
                  from >= 0, to >= from, to <= Dot.maxSeq else { throw WireError("through: bad entry \(k) (a range [from, to] with 0 ≤ from ≤ to ≤ \(Dot.maxSeq))") }
            t[a] = (from, to)
        }
        through = t
        writer = try json["writer"].map { value in
            guard let text = value.stringValue, let actor = Actor(text) else { throw WireError("writer must be an actor \"node:epoch\"") }
            return actor
        }
    }
}
