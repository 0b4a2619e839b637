import Foundation
import JSON
import Sync
import Testing
@testable import Node
@testable import Replica

/// A long pull says how far it is (issue 13): the parent counts what it has for the child on
/// the round's first page, the round reports each page, and the replica keeps the last report
/// for `status`.
@Suite("Pull progress")
struct PullProgressTests {
    static func person(_ n: Int) -> JSONObject {
        JSONObject([("id_number", .string(Tree.id(n))), ("name", "张三"), ("community_code", "150603002001")])
    }

    @Test("a new district's first load and a later one: the first page's estimate is what arrives, reported page by page and kept")
    func progressOfALoad() throws {
        let t = try Tree(["150600", "150603", "150603002"])
        for n in 1...30 { try t["150600"].put("person", Self.person(n)) }
        var reports: [PullProgress] = []
        var round = SyncRound(replica: t["150603"], link: DirectParentLink(service: try ParentService(replica: t["150600"], child: "150603")))
        round.batchSize = 20
        round.onPullProgress = { reports.append($0) }
        let report = try round.run()
        #expect(report.pullPages >= 3)
        #expect(reports.count == report.pullPages, "one report per page")
        let first = try #require(reports.first), last = try #require(reports.last)
        #expect(first.total == last.versions && last.versions == report.pulled, "\(reports)")
        #expect(last.done && !first.done && reports.dropLast().allSatisfy { !$0.done })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.versions <= $1.versions })
        let stored = try #require(try t["150603"].syncState("pull_progress"))
        let kept = try #require(PullProgress(json: try JSONParser.parse(stored)))
        #expect(kept == last)
        // An idle round: one page, nothing to report, nothing written.
        reports = []
        _ = try round.run()
        #expect(reports.isEmpty)
        #expect(try t["150603"].syncState("pull_progress") == kept.json.text)
        // More later, through the routes: the estimate counts them too.
        for n in 31...45 { try t["150600"].put("person", Self.person(n)) }
        let later = try round.run()
        #expect(reports.count == later.pullPages && reports.first?.total == later.pulled && reports.last?.done == true, "\(reports)")
    }

    @Test("the parent's estimate: the rest of a scan, or the routes after the cursor; zero on the last page")
    func estimate() throws {
        let t = try Tree(["150600", "150603", "150603001", "150603002"])
        for n in 1...10 { try t["150600"].put("person", Self.person(n)) }
        let service = try ParentService(replica: t["150600"], child: "150603")
        // Page by page after a first page that asked: what arrives is what it said.
        let first = try service.pull(cursor: nil, limit: 7, estimate: true)
        #expect(first.more)
        var arrived = first.versions.count, cursor = first.cursor, last = first
        while last.more {
            last = try service.pull(cursor: cursor, limit: 7)
            #expect(last.remaining == nil, "not asked, not counted")
            arrived += last.versions.count
            cursor = last.cursor
        }
        #expect(first.versions.count + Int(first.remaining ?? -1) == arrived, "\(first.versions.count) + \(String(describing: first.remaining)) ≠ \(arrived)")
        #expect(try service.pull(cursor: cursor, limit: 7, estimate: true).remaining == 0)
        // Through the routes: ten more records, counted before they are pulled.
        for n in 11...20 { try t["150600"].put("person", Self.person(n)) }
        let routed = try service.pull(cursor: cursor, limit: 7, estimate: true)
        var more = routed.versions.count
        cursor = routed.cursor
        last = routed
        while last.more {
            last = try service.pull(cursor: cursor, limit: 7)
            more += last.versions.count
            cursor = last.cursor
        }
        #expect(routed.versions.count + Int(routed.remaining ?? -1) == more)
    }

    @Test("the line people read")
    func line() {
        var p = PullProgress(versions: 120_000, total: 2_000_000, bytes: 35_200_000, startedMilliseconds: 0, atMilliseconds: 14_118, done: false)
        #expect(p.line == "拉取 pulled 120,000 / ≈2,000,000 个版本 versions (6 %) · 35.2 MB · 8,500/s · 约剩 about 3 min 41 s left", "\(p.line)")
        p.total = nil
        #expect(p.line == "拉取 pulled 120,000 个版本 versions · 35.2 MB · 8,500/s", "\(p.line)")
        p.done = true
        #expect(p.line.hasSuffix("完成 done in 14 s"), "\(p.line)")
        let early = PullProgress(versions: 10, total: 100, bytes: 0, startedMilliseconds: 0, atMilliseconds: 100, done: false)
        #expect(early.rate == nil && early.secondsLeft == nil)
        #expect(PullProgress(json: ["versions": 1]) == nil)
    }
}
