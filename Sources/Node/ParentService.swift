import Catalogue
import Causality
import Crypto
import Foundation
import Replica
import Sync

/// The parent's side of the protocol for one child, over the parent's replica. The HTTP server
/// calls it after authenticating the child; tests call it directly.
public struct ParentService {
    public let replica: any SyncStore
    public let child: String
    /// How long the root keeps a deleted record, once causally stable, before purging it (node.json
    /// `tombstone_retention_days`): deleted records stay readable in `history` for a while.
    public var tombstoneRetentionMilliseconds: Int64 = ParentService.defaultTombstoneRetention
    public static let defaultTombstoneRetention: Int64 = 30 * 86_400_000
    /// Tombstones the root examines per purge exchange (each child's round makes one).
    public static let purgeBatch = 1_000

    public init(replica: any SyncStore, child: String) throws {
        guard replica.children.contains(child) else {
            throw NodeError.unknownChild(child, parent: replica.node.code)
        }
        self.replica = replica
        self.child = child
    }

    public func hello() -> Hello {
        Hello(node: replica.node.code, level: replica.node.level.rawValue,
              catalogueVersion: replica.catalogue.version, databaseID: replica.databaseID)
    }

    /// The have-vector for the child's subtree, plus our own earlier epochs (so a child can send
    /// back our writes that a restore from backup lost here).
    public func have() throws -> HaveVector {
        var entries = try replica.haveVector(subtree: Jurisdiction(node: child).prefix)
        // Every earlier epoch of this node, 0 where it holds nothing of it (restored from a backup
        // taken before that epoch wrote anything): the child sends back what it holds of them.
        let ownEpoch = try replica.currentActor().epoch
        let held = try replica.haveVector(subtree: replica.node.code)
        for epoch in 1..<max(1, ownEpoch) {
            let actor = Actor(node: replica.node.code, epoch: epoch)
            entries[actor] = held[actor] ?? 0
        }
        var fingerprints: [Actor: HaveVector.Fingerprint] = [:]
        for (actor, seq) in entries where actor.node == child && seq > 0 {
            if let v = try replica.versionIdentity(actor, atOrBelow: seq) {
                fingerprints[actor] = HaveVector.Fingerprint(seq: v.seq, digest: Crypto.sha256Hex(v.text))
            }
        }
        return HaveVector(entries, fingerprints: fingerprints)
    }

    /// Applies a pushed batch. Every version must have been written in the child's subtree and
    /// lie inside it; otherwise the whole batch is refused, naming the offending record.
    public func push(_ versions: [GroupVersion]) throws -> PushOutcome { try push(PushBatch(versions: versions, catalogue: 0)) }

    public func push(_ batch: PushBatch) throws -> PushOutcome {
        let versions = batch.versions
        let catalogue = batch.catalogue
        try replica.reloadCatalogueIfChanged()
        // Data that needs a newer catalogue is refused whole; the child keeps it and sends it
        // again once this node has caught up (it fetches the catalogue from its own parent).
        if catalogue > replica.catalogue.version {
            throw ReplicaError.catalogueBehind(needed: catalogue, have: replica.catalogue.version)
        }
        let result = try replica.apply(versions, from: child, within: Jurisdiction(node: child), recording: [], through: batch.through,
                                       writer: batch.writer.flatMap { $0.node == child ? $0 : nil })
        try replica.noteLink(child, push: result.applied, pull: nil, error: nil, at: Int64(Date().timeIntervalSince1970 * 1000))
        // What we hold now, read after the batch committed: the child's next batch needs it.
        return PushOutcome(applied: result.applied, skipped: result.skipped, have: try have())
    }

    /// The next page for the child; with `estimate`, it also says how many versions remain after
    /// it (a count over the child's routes or its subtree: asked once per round, not per page).
    public func pull(cursor: PullCursor?, limit: Int, estimate: Bool = false) throws -> PullPage {
        let limit = max(1, min(limit, SyncProtocol.maxBatch))
        // A cursor of ours naming a position we never gave this child: we record the highest
        // ones before handing them out, so this replica went back in time with its lease — even
        // when its route table has been refilled past the cursor since (the relay case: the
        // positions the child passed now name other routes). A new database id makes every child
        // scan again, and a new epoch keeps our counters from being reused.
        if let cursor, cursor.database == replica.databaseID {
            let issued = try replica.issuedPositions(child: child)
            if cursor.position > (cursor.mode == .route ? issued.route : issued.feed) || cursor.routeStart > issued.route {
                try replica.takeEpoch(above: try replica.currentActor().epoch, rolledBack: true)
            }
        }
        // Read before the page: a page that leaves nothing to pull then carries all of it.
        let received = try replica.rootPosition()
        var start = PullCursor.resume(cursor, database: replica.databaseID, routeHead: try replica.routeHead())
        // A route cursor behind what the child already confirmed: the child went back in time
        // (rolled back with its lease), and the routes it confirmed are gone. Scan its subtree again.
        var rewound = false
        if start.mode == .route, start.database == replica.databaseID, start.position < (try replica.ackedRoute(child: child)) {
            start = PullCursor(database: replica.databaseID, mode: .scan, position: 0, routeStart: try replica.routeHead())
            rewound = true
        }
        // The cursor a child sends is the one it stored with the pages it applied: routes up to it
        // are delivered.
        if let cursor, cursor.database == replica.databaseID, cursor.mode == .route {
            try replica.acknowledgeRoutes(child: child, through: cursor.position)
        }
        let page = start.mode == .scan
            ? try replica.scan(for: child, after: start.position, limit: limit)
            : try replica.routed(to: child, after: start.position, limit: limit)
        let (next, more) = start.advanced(to: page.last, more: page.more)
        try replica.noteIssued(child: child, route: max(next.routeStart, next.mode == .route ? next.position : 0),
                               feed: next.mode == .scan ? next.position : 0)
        try replica.noteLink(child, push: nil, pull: page.versions.count, error: nil, at: Int64(Date().timeIntervalSince1970 * 1000))
        var answer = PullPage(versions: page.versions, cursor: next, more: more, catalogue: replica.catalogue.version)
        answer.rewound = rewound
        if !more { answer.received = received }
        if estimate { answer.remaining = more ? try replica.versionsPending(for: child, after: next) : 0 }
        return answer
    }

    /// The child vouches for its subtree (kept, see `Replica.noteStable`); the root then purges
    /// the tombstones that became stable; the answer carries the notices for the child's subtree.
    public func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer {
        if let stable = request.stable { try replica.noteStable(child: child, stable) }
        if replica.parentLink == nil {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try replica.purgeStable(limit: Self.purgeBatch, deletedBefore: now - tombstoneRetentionMilliseconds)
        }
        let after = request.cursor.flatMap { $0.database == replica.databaseID ? $0.position : nil } ?? 0
        let page = try replica.purgeNotices(for: child, after: after, limit: request.limit)
        return PurgeExchange.Answer(notices: page.notices, cursor: PurgeExchange.Cursor(database: replica.databaseID, position: page.last),
                                    more: page.more)
    }

    /// The child holds a version of ours this replica never wrote (a counter above ours, or a
    /// later epoch) or wrote differently: we went back in time together with our lease. Take a
    /// new epoch and database id now, before our counters are used again. (A counter we issued
    /// but no longer hold is not evidence: the record may have moved out and been purged.)
    func checkRollback(_ newest: (actor: String, seq: Int64, digest: String)?) throws {
        guard let newest, let actor = Actor(newest.actor), actor.node == replica.node.code else { return }
        let me = try replica.currentActor()
        var rolledBack = actor.epoch > me.epoch
        if actor.epoch == me.epoch {
            if newest.seq > (try replica.localCounter()) {
                rolledBack = true
            } else if let mine = try replica.versionIdentity(actor, atOrBelow: newest.seq), mine.seq == newest.seq,
                      Crypto.sha256Hex(mine.text) != newest.digest {
                rolledBack = true
            }
        }
        if rolledBack { try replica.takeEpoch(above: max(actor.epoch, me.epoch), rolledBack: true) }
    }

    /// Workflow events from the child (drafts and reviews of its subtree) are stored; the answer
    /// carries every newer catalogue and the events of drafts written in the child's subtree.
    public func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer {
        try replica.reloadCatalogueIfChanged()
        try checkRollback(request.parentNewest)
        let events: [WorkflowEvent]
        do { events = try request.events.map { try WorkflowEvent(json: $0) } } catch let e as CatalogueError {
            throw WireError("bad workflow event: \(e.problems.joined(separator: "; "))")
        }
        let accepted = try replica.receiveWorkflow(events, from: child, child: true)
        let catalogues = try replica.catalogues(after: request.catalogueVersion).prefix(CatalogueExchange.maxCatalogues).map(\.source)
        let cursor = request.database == replica.databaseID ? request.cursor : 0
        let down = try replica.workflowEvents(for: child, after: cursor, limit: CatalogueExchange.maxEvents,
                                              sharing: request.features.contains(SyncProtocol.sharingEvents))
        return CatalogueExchange.Answer(catalogues: Array(catalogues), events: down.events.map(\.json), cursor: down.last,
                                        database: replica.databaseID, accepted: accepted)
    }
}
