import Causality
import JSON

/// A push: versions the parent lacks, the catalogue version they need, and per actor the counter
/// range the batch covers completely (so the parent's have-vector can step over versions that
/// are never shared, such as those of 不予共享 resources).
public struct PushBatch: Sendable {
    public var versions: [GroupVersion]
    public var catalogue: Int
    public var through: [Actor: (from: Int64, to: Int64)]

    public init(versions: [GroupVersion], catalogue: Int, through: [Actor: (from: Int64, to: Int64)] = [:]) {
        self.versions = versions
        self.catalogue = catalogue
        self.through = through
    }

    public var json: JSONValue {
        var t = JSONObject()
        for (a, r) in through.sorted(by: { $0.key < $1.key }) { t.append(a.description, [.int(r.from), .int(r.to)]) }
        return ["catalogue": .int(catalogue), "through": .object(t), "versions": VersionBatch.encode(versions)]
    }

    public init(json: JSONValue) throws {
        versions = try VersionBatch.decode(json["versions"])
        catalogue = Int(json["catalogue"]?.int64Value ?? 0)
        var t: [Actor: (from: Int64, to: Int64)] = [:]
        for (k, v) in json["through"]?.objectValue ?? JSONObject() {
            guard let a = Actor(k), let pair = v.arrayValue, pair.count == 2, let from = pair[0].int64Value, let to = pair[1].int64Value,
                  from >= 0, to >= from else { throw WireError("through: bad entry \(k)") }
            t[a] = (from, to)
        }
        guard t.count <= 10_000 else { throw WireError("through: too many actors") }
        through = t
    }
}
