import Catalogue
import Crypto
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
        /// Catalogue versions installed, workflow events sent up and received.
        public var cataloguesInstalled: [Int] = []
        public var eventsSent = 0
        public var eventsReceived = 0
        /// The parent's catalogue is older than ours: it could not validate our data, so the
        /// push waits for a later round (the data stays here).
        public var pushDeferred = false
        /// Versions the parent refused and this round set aside (kept here, not sent again).
        public var setAside = 0
        /// The parent could not take a version yet (it lacks one the version depends on, lost
        /// in a restore of the parent): the push waits for a later round, nothing is set aside.
        public var pushWaiting = false
        /// Tombstones dropped here on the parent's purge notices.
        public var tombstonesPurged = 0
        /// The parent runs an earlier release that cannot read sharing's workflow events (data
        /// requests, quality checks): they wait here until it is upgraded.
        public var sharingHeldBack = false
    }

    static let maxSetAsidePerRound = 100

    /// The version a refused push names, with the parent's reason, from either kind of link.
    static func refusal(_ error: Error) -> (Dot, String)? {
        if let e = error as? RemoteError, let dot = e.refused, e.status == 403 || e.status == 422 { return (dot, e.messageEn) }
        if case ReplicaError.refused(let dot, let reason)? = error as? ReplicaError, !isWaiting(reason) { return (dot, reason.description) }
        return nil
    }

    /// A refusal the parent will lift by itself once it has pulled again (409 with a version named).
    static func isWaiting(_ error: Error) -> Bool {
        if let e = error as? RemoteError { return e.refused != nil && e.status == 409 }
        if case ReplicaError.refused(_, let reason)? = error as? ReplicaError { return isWaiting(reason) }
        if case ReplicaError.lacksDependency? = error as? ReplicaError { return true }
        return false
    }

    public let replica: any SyncStore
    public let link: any ParentLink
    public var batchSize = 1_000
    /// Upper bound on batches per direction in one round (then the next round continues).
    public var maxBatches = 10_000
    /// Asked before each batch and page: true ends the round after the batch in flight (the
    /// agent is stopping); what is not sent yet goes in a later round.
    public var isCancelled: () -> Bool = { false }
    /// Told after each page of a pull longer than one page (a first load, a rescan).
    public var onPullProgress: ((PullProgress) -> Void)?

    public init(replica: any SyncStore, link: any ParentLink) {
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
        // The catalogue first: a node never receives data it cannot validate.
        try exchangeCatalogue(parent: hello.node, features: hello.features, report: &report)
        _ = try replica.captureExternalWrites()
        // Taken before the push: once the push has finished, everything written in this subtree
        // before it received the root's feed up to here has gone up (for purging tombstones).
        let stable = try replica.stableReport()
        var pushFinished = false

        // Push: ask the parent what it has (fresh), send what it lacks, repeat.
        var have = try link.have()
        try checkIdentity(have)
        report.pushDeferred = hello.catalogueVersion < replica.catalogue.version
        while report.pushBatches < maxBatches && !report.pushDeferred && !isCancelled() {
            let batch = try replica.pushBatch(parentHave: have.entries, limit: batchSize)
            if batch.versions.isEmpty {
                pushFinished = true
                break
            }
            let outcome: PushOutcome
            do {
                outcome = try link.push(PushBatch(versions: batch.versions, catalogue: replica.catalogue.version, through: batch.through,
                                                  writer: try replica.currentActor()))
            } catch {
                // The parent lacks a version this batch depends on (it was restored): it gets it
                // back from its own parent; push again in a later round, pull now.
                if Self.isWaiting(error) {
                    report.pushWaiting = true
                    break
                }
                // The parent refused the batch for one version it named: keep that version here,
                // set aside (listed by status and doctor), and push the rest. Bounded per round.
                guard let (dot, reason) = Self.refusal(error), batch.versions.contains(where: { $0.dot == dot }),
                      report.setAside < Self.maxSetAsidePerRound else { throw error }
                try replica.setAside(dot, reason: reason)
                report.setAside += 1
                have = try link.have()
                continue
            }
            report.pushed += outcome.applied
            report.pushBatches += 1
            // The answer carries the parent's have after the batch (an earlier release's does not).
            have = try outcome.have ?? link.have()
            // Nothing new was taken (the answer to an earlier push was lost, or the parent's
            // have-vector could not move): stop rather than resend the same batch; next round.
            if outcome.applied == 0 { break }
        }
        report.purged = try replica.purgeMovedOut(parentHave: have.entries)

        // Pull: pages after our cursor, each applied together with the cursor that follows it.
        var cursor = try replica.syncState("pull_cursor").flatMap { try? PullCursor(json: JSONParser.parse($0)) }
        var pulledAll = false
        let started = Int64(Date().timeIntervalSince1970 * 1000), bytesBefore = link.bytesReceived
        var received = 0
        var total: Int?
        while report.pullPages < maxBatches && !isCancelled() {
            // The first page of the round says how much there is in all.
            let page = try link.pull(cursor: cursor, limit: batchSize, estimate: report.pullPages == 0)
            if report.pullPages == 0, let remaining = page.remaining { total = page.versions.count + Int(remaining) }
            received += page.versions.count
            // The parent has seen us confirm more than the cursor we sent: we went back in time
            // with our lease.
            // New epoch and database id before this page creates routes for our children.
            if page.rewound {
                try replica.takeEpoch(above: try replica.currentActor().epoch, rolledBack: true)
            }
            if page.catalogue > replica.catalogue.version {
                // Published while this round ran: fetch it, and take the page again next loop.
                try exchangeCatalogue(parent: hello.node, features: hello.features, report: &report)
                if page.catalogue > replica.catalogue.version {
                    throw ReplicaError.catalogueBehind(needed: page.catalogue, have: replica.catalogue.version)
                }
            }
            var recording = [("pull_cursor", page.cursor.json.text)]
            if !page.more, let received = page.received { recording.append(Replica.rootPositionState(received)) }
            // A load longer than a page is shown as it goes, and kept for `status` with the page.
            var progress: PullProgress?
            if page.more || report.pullPages > 0 {
                let p = PullProgress(versions: received, total: total.map { max($0, received) }, bytes: link.bytesReceived - bytesBefore,
                                     startedMilliseconds: started, atMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), done: !page.more)
                recording.append(("pull_progress", p.json.text))
                progress = p
            }
            let result = try replica.apply(page.versions, from: hello.node, within: nil, recording: recording, through: [:], writer: nil)
            report.pulled += result.applied
            report.pullPages += 1
            cursor = page.cursor
            if let progress { onPullProgress?(progress) }
            if !page.more {
                pulledAll = true
                break
            }
        }
        // Last, once everything was pulled: vouch for the subtree, take the purge notices.
        if pulledAll && !isCancelled() {
            try exchangePurges(stable: pushFinished ? stable : nil, report: &report)
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try replica.noteLink(hello.node, push: report.pushed, pull: report.pulled, error: nil, at: now)
        // Remember what the parent had, for `status` (only when it changed: idle rounds write nothing).
        let haveText = have.json.text
        if try replica.syncState("parent_have") != haveText { try replica.setSyncState("parent_have", haveText) }
        return report
    }

    /// Reports what this subtree vouches for and applies the parent's purge notices, each page
    /// together with the cursor after it. Bounded like the pull.
    func exchangePurges(stable: RootPosition?, report: inout Report) throws {
        var cursor = try replica.syncState("purge_cursor").flatMap { text -> PurgeExchange.Cursor? in
            try? PurgeExchange.Cursor(json: JSONParser.parse(text))
        }
        var vouched = stable
        for _ in 0..<maxBatches where !isCancelled() {
            let answer = try link.purges(PurgeExchange(stable: vouched, cursor: cursor))
            vouched = nil  // once per round is enough
            report.tombstonesPurged += try replica.applyPurges(answer.notices, recording: [("purge_cursor", answer.cursor.json.text)])
            cursor = answer.cursor
            if !answer.more { return }
        }
    }

    /// A replica re-created from nothing (or restored without its lease) must not reuse a
    /// writer identity its parent already holds writes of: those writes would be skipped as
    /// duplicates both ways. With nothing written yet, take a new epoch above every one the parent
    /// knows; with local writes already made, refuse the round rather than lose them silently.
    func checkIdentity(_ have: HaveVector) throws {
        let me = try replica.currentActor()
        let known = have.entries.filter { $0.key.node == me.node }
        guard let newest = known.keys.map(\.epoch).max() else {
            if try replica.syncState("identity_confirmed") == nil { try replica.setSyncState("identity_confirmed", me.description) }
            return
        }
        let local = try replica.localCounter()
        // Confirmed once a round has passed this check (or pulled: replicas from before the check).
        let confirmed = try replica.syncState("identity_confirmed") != nil || replica.syncState("pull_cursor") != nil
        // Same counters, different writes: the parent's version at a counter is not ours. The
        // same write: what the parent knows of this writer is ours (not a lost replica's).
        var collided = false
        var verified = false
        for (actor, f) in have.fingerprints where actor.node == me.node {
            if let mine = try replica.versionIdentity(actor, atOrBelow: f.seq), mine.seq == f.seq {
                if Crypto.sha256Hex(mine.text) != f.digest { collided = true } else if actor == me { verified = true }
            }
        }
        let stale = newest > me.epoch || (known[me] ?? 0) > local || collided || (!confirmed && !verified && (known[me] ?? 0) > 0)
        guard stale else {
            if !confirmed { try replica.setSyncState("identity_confirmed", me.description) }
            return
        }
        if local == 0 {
            // Nothing written here: no counter can collide. A replica that had synced before went
            // back in time to before its first write (rolled back with its lease): like any
            // rollback it takes a new database id and drops its pull cursor, so its parent sends
            // back what it lost (its own writes included, which routes never send back to it)
            // and its children scan it again. A replica new from nothing has neither to drop.
            try replica.takeEpoch(above: max(newest, me.epoch), rolledBack: confirmed)
            return
        }
        // A replica that had synced before and now knows less than its parent: it went back in
        // time with its lease (a VM snapshot, a whole-directory restore). If everything it wrote
        // was acknowledged by the parent at its last round, nothing here can collide with what
        // the parent holds: start a new incarnation and let the parent send the rest back.
        let acknowledged = (try replica.syncState("parent_have")).flatMap { try? HaveVector(json: JSONParser.parse($0)) }?.entries[me] ?? 0
        // Only a later epoch is known (a lost future of this replica, or a forged push under our
        // code): what the parent holds of our own epoch is ours, so our counters collide with
        // nothing there. Move above it and keep every write; refusing would wedge every round.
        let onlyLaterEpoch = newest > me.epoch && (known[me] ?? 0) <= local
        if confirmed && !collided && (local <= acknowledged || onlyLaterEpoch) {
            try replica.takeEpoch(above: max(newest, me.epoch), rolledBack: true)
            return
        }
        // Writes made here that the parent never acknowledged may share counters with different
        // writes the parent holds: refuse rather than lose them silently.
        throw NodeError.reusedIdentity(actor: me.description, parentHas: known[me] ?? 0, local: local)
    }

    /// Sends up the workflow events the parent lacks, installs every newer catalogue it has, and
    /// stores the events of drafts written in this subtree (reviews, rejections, publication).
    /// A parent without the `sharing` feature (an earlier release) gets the catalogue's events
    /// only; sharing's wait here, and the report says so (`sharingHeldBack`).
    func exchangeCatalogue(parent: String, features: Set<String>, report: inout Report) throws {
        // Evidence for the parent's rollback check: looked up once, it does not change here.
        let parentNewest = try replica.newestVersion(of: parent).map { ($0.0.description, $0.1, Crypto.sha256Hex($0.2)) }
        let sharing = features.contains(SyncProtocol.sharingEvents)
        if !sharing, try replica.sharingEventsWaiting() { report.sharingHeldBack = true }
        for _ in 0..<100 {
            let up = try replica.workflowEventsToSendUp(limit: CatalogueExchange.maxEvents, sharing: sharing)
            let saved = try replica.syncState("workflow_cursor")?.split(separator: " ").map(String.init) ?? []
            var request = CatalogueExchange(catalogueVersion: replica.catalogue.version, events: up.map(\.json),
                                            cursor: saved.count == 2 ? Int64(saved[1]) ?? 0 : 0, database: saved.first ?? "")
            request.parentNewest = parentNewest
            let answer = try link.exchangeCatalogue(request)
            try replica.markWorkflowSentUp(up.map(\.id))
            report.eventsSent += answer.accepted
            for json in answer.catalogues {
                let c: Catalogue
                do { c = try Catalogue.parse(json) } catch let e as CatalogueError {
                    throw WireError("the parent sent a catalogue that does not parse: \(e.problems.joined(separator: "; "))")
                }
                guard c.version > replica.catalogue.version else { continue }
                try replica.install(catalogue: c, user: parent)
                report.cataloguesInstalled.append(c.version)
            }
            let events: [WorkflowEvent]
            do { events = try answer.events.map { try WorkflowEvent(json: $0) } } catch let e as CatalogueError {
                throw WireError("the parent sent a bad workflow event: \(e.problems.joined(separator: "; "))")
            }
            report.eventsReceived += try replica.receiveWorkflow(events, from: parent, child: false)
            let cursorText = "\(answer.database) \(answer.cursor)"
            if try replica.syncState("workflow_cursor") != cursorText { try replica.setSyncState("workflow_cursor", cursorText) }
            if up.count < CatalogueExchange.maxEvents && answer.events.count < CatalogueExchange.maxEvents
                && answer.catalogues.count < CatalogueExchange.maxCatalogues { return }
        }
    }
}
