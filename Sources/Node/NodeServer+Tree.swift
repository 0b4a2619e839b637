import Foundation
import JSON
import Transport

extension NodeServer {
    /// `GET /v1/status/tree[?stale_after=SECONDS]`: this node and every node below it that
    /// reported, marking those not heard from for longer than the threshold.
    func statusTree(_ r: HTTPRequest) throws -> HTTPResponse {
        var staleAfter = SubtreeView.defaultStaleAfter
        if let given = r.query("stale_after") {
            guard let n = Int(given), (1...31_536_000).contains(n) else {
                throw HTTPFailure(400, "stale_after 应为 1 到 31536000 之间的秒数", "stale_after must be seconds from 1 to 31536000")
            }
            staleAfter = n
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lastRound = metrics.snapshot().lastRoundSuccessMilliseconds
        let own = try pool.with { try SubtreeView.own($0, lastRoundMilliseconds: lastRound, now: now) }
        return Self.ok(SubtreeView.json(own: own, below: subtreeHealth.load(), now: now, staleAfter: staleAfter, time: time))
    }
}
