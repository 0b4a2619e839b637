import JSON

/// The parent's answer to a push (`POST /v1/sync/push`): versions stored, versions already held,
/// and what the parent holds of the child's subtree afterwards, so the next batch needs no
/// `have` request of its own (optional: an earlier release sends none, and the child asks).
public struct PushOutcome: Equatable, Sendable {
    public var applied: Int
    public var skipped: Int
    public var have: HaveVector?
    public init(applied: Int, skipped: Int, have: HaveVector? = nil) {
        self.applied = applied
        self.skipped = skipped
        self.have = have
    }

    public var json: JSONValue {
        var o: JSONObject = ["applied": .int(applied), "skipped": .int(skipped)]
        if let have { o["parent_have"] = have.json }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        guard let applied = json["applied"]?.int64Value, applied >= 0, applied <= Int64(SyncProtocol.maxBatch),
              let skipped = json["skipped"]?.int64Value, skipped >= 0, skipped <= Int64(SyncProtocol.maxBatch) else {
            throw WireError("a push answer needs applied and skipped (0…\(SyncProtocol.maxBatch))")
        }
        var have: HaveVector?
        if let h = json["parent_have"], !h.isNull {
            do { have = try HaveVector(json: h) } catch let e as WireError { throw WireError("a push answer's parent_have: \(e.message)") }
        }
        self.init(applied: Int(applied), skipped: Int(skipped), have: have)
    }
}
