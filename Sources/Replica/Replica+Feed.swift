import Catalogue
import JSON
import SQLite

/// One change a grant's feed delivers: a record of the resource, as it stands now, at the first
/// feed position after the cursor where it changed; or its removal (deleted, or moved out of
/// the granted subtree) for a record that lay in that subtree.
public struct FeedChange: Sendable, Equatable {
    public let position: Int64
    public let key: String
    /// The record's visible row, nil for a removal.
    public let record: JSONObject?

    public var isRemoval: Bool { record == nil }
}

extension Replica {
    /// The changes of `resource` in the subtree `prefix` after feed position `after`: at most
    /// `limit` records, looking at no more than `scanLimit` feed positions (so a small grant on
    /// a large replica answers quickly, perhaps with no change and `more`). `next` is the cursor
    /// to ask with next time. Read through `_rs_versions`, the change feed's public view (its
    /// ids are arrival order), and `get`, the visible rows.
    public func feedPage(resource name: String, subtree prefix: String, after: Int64, limit: Int,
                         scanLimit: Int) throws -> (changes: [FeedChange], next: Int64, more: Bool) {
        let r = try resource(name)
        return try db.transaction {
            let head = try feedHead()
            let upper = min(head, after + Int64(scanLimit))
            guard upper > after else { return ([], max(after, 0), false) }
            var seen = Set<String>()
            var changes: [FeedChange] = []
            var candidates: [(Int64, String)] = []
            try db.forEach("SELECT id, key FROM _rs_versions WHERE id > ? AND id <= ? AND resource = ? ORDER BY id",
                           after, upper, r.name) { candidates.append(($0.int64(0), $0.string(1))) }
            for (position, key) in candidates where seen.insert(key).inserted {
                if let row = try get(r.name, key: key), let scope = row[r.scope]?.stringValue, scope.hasPrefix(prefix) {
                    changes.append(FeedChange(position: position, key: key, record: row))
                } else if try db.scalarInt("SELECT 1 FROM _rs_versions WHERE resource = ? AND key = ? AND substr(scope, 1, ?) = ? LIMIT 1",
                                           r.name, key, prefix.count, prefix) != nil {
                    changes.append(FeedChange(position: position, key: key, record: nil))
                } else {
                    continue
                }
                if changes.count == limit { return (changes, position, position < head) }
            }
            return (changes, upper, upper < head)
        }
    }

    /// The feed position of a record's newest change here.
    func newestFeedPosition(resource: String, key: String) throws -> Int64? {
        try db.first("SELECT max(id) FROM _rs_versions WHERE resource = ? AND key = ?", resource, key) { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
    }

    /// Records one feed call: in `_rs_feed_call` (when data reached the consumer) and in the
    /// audit log (`feed_read`: consumer, grant, cursor range, records returned).
    public func recordFeedCall(consumer: String, grant: String, since: Int64, next: Int64, records: Int) throws {
        try db.transaction {
            try db.run("INSERT INTO _rs_feed_call(consumer, grant_id, since, next, records, at_ms) VALUES(?, ?, ?, ?, ?, ?)",
                       consumer, grant, since, next, records, shareNow())
            try audit("feed_read", detail: "consumer=\(consumer) grant=\(grant) since=\(since) next=\(next) records=\(records)", user: "consumer:\(consumer)")
        }
    }

    /// Audits a refused feed call (revoked, expired, another consumer's grant).
    public func recordFeedRefusal(consumer: String, grant: String?, reason: String) throws {
        try audit("feed_refused", detail: "consumer=\(consumer) grant=\(grant ?? "-") reason=\(reason)", user: "consumer:\(consumer)")
    }
}
