import Causality
import Foundation
import JSON
import Sync
import Testing
@testable import Node
@testable import Replica

/// A link that loses answers: the parent did the work, the child never hears back.
final class LossyLink: ParentLink, @unchecked Sendable {
    struct Lost: Error {}
    let inner: ParentLink
    var dropPushAnswers: Int
    var dropPullAnswers: Int
    var duplicatePushes: Bool
    init(_ inner: ParentLink, dropPushAnswers: Int = 0, dropPullAnswers: Int = 0, duplicatePushes: Bool = false) {
        self.inner = inner
        self.dropPushAnswers = dropPushAnswers
        self.dropPullAnswers = dropPullAnswers
        self.duplicatePushes = duplicatePushes
    }
    func hello() throws -> Hello { try inner.hello() }
    func have() throws -> HaveVector { try inner.have() }
    func push(_ batch: PushBatch) throws -> PushOutcome {
        let outcome = try inner.push(batch)
        if duplicatePushes { _ = try inner.push(batch) }
        if dropPushAnswers > 0 { dropPushAnswers -= 1; throw Lost() }
        return outcome
    }
    func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer { try inner.exchangeCatalogue(request) }
    func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer { try inner.purges(request) }
    func pull(cursor: PullCursor?, limit: Int) throws -> PullPage {
        let page = try inner.pull(cursor: cursor, limit: limit)
        if dropPullAnswers > 0 { dropPullAnswers -= 1; throw Lost() }
        return page
    }
}

@Suite("Lost and duplicated answers")
struct FaultyLinkTests {
    func round(_ t: Tree, _ child: String, _ wrap: (ParentLink) -> ParentLink, batch: Int = 10) throws -> SyncRound.Report {
        let parent = t[Tree.parent(child)!]
        var r = SyncRound(replica: t[child], link: wrap(DirectParentLink(service: try ParentService(replica: parent, child: child))))
        r.batchSize = batch
        return try r.run()
    }

    @Test func aLostPushAnswerIsHarmless() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        for i in 1...25 {
            try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(i))), ("name", "居民"), ("community_code", "150603002001")]))
        }
        // The parent applies the first batch but the answer is lost: the round fails.
        let lossy = LossyLink(DirectParentLink(service: try ParentService(replica: t["150603002"], child: "150603002001")), dropPushAnswers: 1)
        var failing = SyncRound(replica: t["150603002001"], link: lossy)
        failing.batchSize = 10
        #expect(throws: LossyLink.Lost.self) { try failing.run() }
        // The next round asks the parent's have-vector afresh and sends only the rest.
        let next = try round(t, "150603002001") { $0 }
        #expect(next.pushed == 25 * 3 - 10) // three versions per new person: existence, identity, residence
        #expect(try t["150603002"].db.scalarInt("SELECT count(*) FROM person") == 25)
    }

    @Test func aLostPullAnswerIsHarmless() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        for i in 1...25 {
            try t["150603002"].put("person", JSONObject([("id_number", .string(Tree.id(i))), ("name", "居民"), ("community_code", "150603002001")]))
        }
        #expect(throws: LossyLink.Lost.self) { try round(t, "150603002001") { LossyLink($0, dropPullAnswers: 2) } }
        _ = try round(t, "150603002001") { $0 }
        #expect(try t["150603002001"].db.scalarInt("SELECT count(*) FROM person") == 25)
        let dots = try t["150603002001"].feed(after: 0, limit: 1000).map(\.version.dot)
        #expect(Set(dots).count == dots.count)
    }

    @Test func duplicatedPushesChangeNothing() throws {
        let t = try Tree(["150600", "150603", "150603002", "150603002001"])
        for i in 1...12 {
            try t["150603002001"].put("person", JSONObject([("id_number", .string(Tree.id(i))), ("name", "居民"), ("community_code", "150603002001")]))
        }
        _ = try round(t, "150603002001") { LossyLink($0, duplicatePushes: true) }
        #expect(try t["150603002"].db.scalarInt("SELECT count(*) FROM person") == 12)
        #expect(try t["150603002"].db.scalarInt("SELECT coalesce(sum(n), 0) FROM _rs_version") == 36)
    }
}
