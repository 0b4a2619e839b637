import Causality
import Foundation
import JSON
import Replica
import Sync

/// One complete exchange of a child with its parent: push everything the parent lacks, then
/// pull everything the parent has for this child. Every loop is bounded; a round that fails
/// part-way leaves both replicas consistent (each batch is one transaction) and the next round
/// continues where this one stopped.
public struct SyncRound {
    public struct Report: Equatable, Sendable {
        public var pushed = 0
        public var pulled = 0
        public var pushBatches = 0
        public var pullPages = 0
        public var purged = 0
    }

    public let replica: Replica
    public let link: any ParentLink
    public var batchSize = 1_000
    /// Upper bound on batches per direction in one round (then the next round continues).
    public var maxBatches = 10_000

    public init(replica: Replica, link: any ParentLink) {
        self.replica = replica
        self.link = link
    }

    public func run() throws -> Report {
        var report = Report()
        let hello = try link.hello()
        guard SyncProtocol.agree(theirs: hello.protocolVersion, theirOldest: hello.oldestProtocol) != nil else {
            throw NodeError.protocolMismatch(ours: SyncProtocol.version, theirs: hello.protocolVersion, theirOldest: hello.oldestProtocol)
        }
        if let expected = replica.parentLink, expected != hello.node {
            throw NodeError.wrongParent(expected: expected, found: hello.node)
        }
        _ = try replica.captureExternalWrites()

        // Push: ask the parent what it has (fresh), send what it lacks, repeat.
        var have = try link.have()
        while report.pushBatches < maxBatches {
            let batch = try replica.versionsToPush(parentHave: have.entries, limit: batchSize)
            if batch.isEmpty { break }
            let outcome = try link.push(batch)
            report.pushed += outcome.applied
            report.pushBatches += 1
            have = try link.have()
            // Nothing new was taken: the parent's have-vector cannot move past a gap (a version
            // never sent, such as a 不予共享 one); stop rather than resend the same batch.
            if outcome.applied == 0 { break }
        }
        report.purged = try replica.purgeMovedOut(parentHave: have.entries)

        // Pull: pages after our cursor, each applied together with the cursor that follows it.
        var cursor = try replica.syncState("pull_cursor").flatMap { try? PullCursor(json: JSONParser.parse($0)) }
        while report.pullPages < maxBatches {
            let page = try link.pull(cursor: cursor, limit: batchSize)
            let result = try replica.apply(page.versions, from: hello.node, recording: [("pull_cursor", page.cursor.json.text)])
            report.pulled += result.applied
            report.pullPages += 1
            cursor = page.cursor
            if !page.more { break }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try replica.noteLink(hello.node, push: report.pushed, pull: report.pulled, at: now)
        // Remember what the parent had, for `status` (only when it changed: idle rounds write nothing).
        let haveText = have.json.text
        if try replica.syncState("parent_have") != haveText { try replica.setSyncState("parent_have", haveText) }
        return report
    }
}
