import JSON

/// The parent's answer to a push (`POST /v1/sync/push`): versions stored, versions already held.
public struct PushOutcome: Equatable, Sendable {
    public var applied: Int
    public var skipped: Int
    public init(applied: Int, skipped: Int) {
        self.applied = applied
        self.skipped = skipped
    }

    public var json: JSONValue { ["applied": .int(applied), "skipped": .int(skipped)] }

    public init(json: JSONValue) throws {
        guard let applied = json["applied"]?.int64Value, applied >= 0, applied <= Int64(SyncProtocol.maxBatch),
              let skipped = json["skipped"]?.int64Value, skipped >= 0, skipped <= Int64(SyncProtocol.maxBatch) else {
            throw WireError("a push answer needs applied and skipped (0…\(SyncProtocol.maxBatch))")
        }
        self.init(applied: Int(applied), skipped: Int(skipped))
    }
}
