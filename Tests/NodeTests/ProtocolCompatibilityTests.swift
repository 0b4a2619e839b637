import Catalogue
import Causality
import Foundation
import JSON
import Sync
import Testing
@testable import Node
@testable import Replica

/// A parent as an earlier or a later release answers it: one without the purge exchange and
/// without `received` on its pages (before step 16), one that speaks only a newer protocol, one
/// that knows no sharing events (before step 13: it announces no features and refuses, whole,
/// an exchange holding an event kind it does not know).
final class OtherReleaseLink: ParentLink, @unchecked Sendable {
    let inner: ParentLink
    var protocolRange: (oldest: Int, newest: Int)?
    var withoutSharing = false
    /// Answers pushes as an earlier release: without the parent's have.
    var withoutPushHave = false
    var purgeCalls = 0
    var haveCalls = 0
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
        if withoutSharing { h.features = [] }
        return h
    }
    func have() throws -> HaveVector {
        haveCalls += 1
        return try inner.have()
    }
    func push(_ batch: PushBatch) throws -> PushOutcome {
        var outcome = try inner.push(batch)
        if withoutPushHave { outcome.have = nil }
        return outcome
    }
    func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer {
        guard withoutSharing else { return try inner.exchangeCatalogue(request) }
        for e in request.events {
            guard let kind = e["kind"]?.stringValue.flatMap(WorkflowEvent.Kind.init(rawValue:)), kind.isCatalogue else {
                throw WireError("bad workflow event: workflow event: unknown kind \(e["kind"]?.stringValue ?? "")")
            }
        }
        var old = request
        old.features = []
        return try inner.exchangeCatalogue(old)
    }
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

    @Test("a parent of an earlier release without sharing: the child's quality check waits while catalogue drafts still go up, and goes once the parent is upgraded")
    func aParentWithoutSharingGetsNoSharingEvents() throws {
        let t = try Tree(Self.chain)
        let key = Tree.id(2)
        try t["150603002001"].put("person", JSONObject([("id_number", .string(key)), ("name", "李四"), ("community_code", "150603002001")]))
        try t.sync("150603002001")
        let dispute = try t["150603002"].raiseDispute(resource: "person", key: key, group: "identity", expected: ["name": "李泗"],
                                                     comment: "疑似错字", operator: "网格员").id
        let draft = try t["150603002"].submitDraft(try CatalogueSyncTests.draft("add-wechat.json"), operator: "王芳")
        let link = OtherReleaseLink(DirectParentLink(service: try ParentService(replica: t["150603"], child: "150603002")))
        link.withoutSharing = true
        for _ in 0..<2 {
            let report = try SyncRound(replica: t["150603002"], link: link).run()
            #expect(report.sharingHeldBack)
        }
        #expect(throws: (any Error).self) { try t["150603"].dispute(dispute) }
        #expect(try t["150603"].draftState(draft).events.isEmpty == false, "the draft went up")
        #expect(try t["150603002"].dispute(dispute).status == .open, "the check waits at the street")
        // The district is upgraded: the check goes up with the next round.
        let report = try t.sync("150603002")
        #expect(!report.sharingHeldBack)
        #expect(try t["150603"].dispute(dispute).id == dispute)
    }

    @Test("a child of an earlier release is sent no sharing events; after its upgrade (step 18) it reads them all")
    func aChildWithoutSharingIsSentNone() throws {
        let t = try Tree(Self.chain)
        let key = Tree.id(3)
        try t["150603002001"].put("person", JSONObject([("id_number", .string(key)), ("name", "王五"), ("community_code", "150603002001")]))
        try t.syncAll()
        let id = try t["150603002"].raiseDispute(resource: "person", key: key, group: "identity", expected: ["name": "王伍"],
                                                comment: "核对", operator: "网格员").id
        try t.sync("150603002")
        try t.sync("150603")
        _ = try t["150600"].answerDispute(id, correct: nil, reject: "无误", operator: "户籍科")
        let service = try ParentService(replica: t["150600"], child: "150603")
        let catalogue = t["150603"].catalogue.version
        let old = try service.exchangeCatalogue(CatalogueExchange(catalogueVersion: catalogue, events: [], cursor: 0, database: "", features: []))
        #expect(old.events.allSatisfy { $0["kind"]?.stringValue.flatMap(WorkflowEvent.Kind.init(rawValue:))?.isCatalogue == true }, "\(old.events)")
        let new = try service.exchangeCatalogue(CatalogueExchange(catalogueVersion: catalogue, events: [], cursor: 0, database: ""))
        #expect(new.events.contains { $0["kind"] == "answered" })
        #expect(old.cursor == new.cursor, "the earlier release's cursor moves past what it was not sent")
        // Upgrading resets the child's cursor into its parent's events, so it reads them again.
        try t["150603"].setSyncState("workflow_cursor", "\(old.database) \(old.cursor)")
        try t["150603"].db.run("DELETE FROM _rs_migration WHERE identifier = '18-workflow-cursor-reset'")
        try ReplicaSchema.migrator.migrate(t["150603"].db)
        #expect(try t["150603"].syncState("workflow_cursor") == nil)
        try t.sync("150603")
        #expect(try t["150603"].dispute(id).status == .rejected)
    }

    @Test("the push answer carries the parent's have: one have request per round, however many batches; an earlier release's answer makes the child ask after each")
    func pushAnswersCarryTheHave() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        for n in 1...25 {
            try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(n))), ("name", "张三"), ("community_code", "150603002001")]))
        }
        let link = OtherReleaseLink(DirectParentLink(service: try ParentService(replica: t["150603002"], child: "150603002001")))
        var round = SyncRound(replica: t["150603002001"], link: link)
        round.batchSize = 20  // 25 persons of three versions each: several batches
        let report = try round.run()
        #expect(report.pushBatches >= 3 && report.pushed == 75, "\(report)")
        #expect(link.haveCalls == 1, "\(link.haveCalls) have requests")
        for n in 26...35 {
            try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(n))), ("name", "李四"), ("community_code", "150603002001")]))
        }
        let old = OtherReleaseLink(DirectParentLink(service: try ParentService(replica: t["150603002"], child: "150603002001")))
        old.withoutPushHave = true
        var again = SyncRound(replica: t["150603002001"], link: old)
        again.batchSize = 20
        let second = try again.run()
        #expect(second.pushBatches >= 2 && second.pushed == 30, "\(second)")
        #expect(old.haveCalls == 1 + second.pushBatches, "one to start, one after each batch: \(old.haveCalls)")
        #expect(try t["150603002"].storageCounts().records["person"] == 35)
    }
}
