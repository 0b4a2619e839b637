import Causality
import Foundation
import JSON
import Sync
import Testing
@testable import Node
@testable import Replica

/// A parent as an earlier or a later release answers it: one without the purge exchange and
/// without `received` on its pages (before step 16), one that speaks only a newer protocol.
final class OtherReleaseLink: ParentLink, @unchecked Sendable {
    let inner: ParentLink
    var protocolRange: (oldest: Int, newest: Int)?
    var purgeCalls = 0
    init(_ inner: ParentLink, protocolRange: (oldest: Int, newest: Int)? = nil) {
        self.inner = inner
        self.protocolRange = protocolRange
    }
    func hello() throws -> Hello {
        var h = try inner.hello()
        if let protocolRange {
            h.oldestProtocol = protocolRange.oldest
            h.protocolVersion = protocolRange.newest
        }
        return h
    }
    func have() throws -> HaveVector { try inner.have() }
    func push(_ batch: PushBatch) throws -> PushOutcome { try inner.push(batch) }
    func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer { try inner.exchangeCatalogue(request) }
    func pull(cursor: PullCursor?, limit: Int) throws -> PullPage {
        var page = try inner.pull(cursor: cursor, limit: limit)
        page.received = nil
        return page
    }
    /// What `HTTPParentLink` makes of the 404 an earlier release answers.
    func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer {
        purgeCalls += 1
        return PurgeExchange.Answer(notices: [], cursor: request.cursor ?? PurgeExchange.Cursor(database: "", position: 0), more: false)
    }
}

@Suite("Agents of other releases")
struct ProtocolCompatibilityTests {
    static let chain = ["150600", "150603", "150603002", "150603002001"]

    @Test func aParentWithoutPurgesSyncsAndNothingIsPurged() throws {
        let t = try Tree(Self.chain)
        t.tombstoneRetention = 0
        let key = Tree.id(1)
        try t["150603002001"].put("person", JSONObject([("id_number", .string(key)), ("name", "张三"), ("community_code", "150603002001")]))
        try t["150603002001"].delete("person", key: key)
        // The district runs an earlier release: rounds of the street against it work as before.
        for _ in 0..<3 {
            try t.sync("150603002001")
            let link = OtherReleaseLink(DirectParentLink(service: try ParentService(replica: t["150603"], child: "150603002")))
            _ = try SyncRound(replica: t["150603002"], link: link).run()
            #expect(link.purgeCalls == 1)
            try t.sync("150603")
        }
        #expect(try !t["150600"].allVersions("person", key).isEmpty, "the city holds the tombstone")
        #expect(try t["150603002"].rootPosition() == nil, "a parent without `received` gives no root position")
        #expect(try t["150600"].db.scalarInt("SELECT count(*) FROM _rs_purge") == 0, "nothing is stable below an earlier release")
    }

    @Test func aParentOfOnlyANewerProtocolIsRefusedNamingBoth() throws {
        let t = try Tree(["150600", "150603"])
        let link = OtherReleaseLink(DirectParentLink(service: try ParentService(replica: t["150600"], child: "150603")), protocolRange: (2, 3))
        #expect(throws: NodeError.self) { _ = try SyncRound(replica: t["150603"], link: link).run() }
        do { _ = try SyncRound(replica: t["150603"], link: link).run() } catch {
            let text = "\(error)"
            #expect(text.contains("\(SyncProtocol.oldestSupported)…\(SyncProtocol.version)") && text.contains("2…3"), "\(text)")
        }
    }
}
