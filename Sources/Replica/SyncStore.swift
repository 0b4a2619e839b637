import Catalogue
import Causality
import Sync

/// What syncing needs from a node's storage: the seam between the sync protocol (`SyncRound`,
/// `ParentService`) and the store that holds the versions. `Replica` (SQLite) is the one store
/// today; a second one (the PostgreSQL hub) implements this protocol and leaves the merge rules,
/// the push checks and the protocol untouched. Every method is one transaction of the store.
public protocol SyncStore: AnyObject {
    var node: NodeIdentity { get }
    var catalogue: Catalogue { get }
    var parentLink: String? { get }
    var children: [String] { get }
    /// Changes when the store was restored or copied: cursors into it are then void.
    var databaseID: String { get }

    func reloadCatalogueIfChanged() throws
    func catalogues(after version: Int) throws -> [Catalogue]
    @discardableResult func install(catalogue new: Catalogue, user: String?) throws -> CatalogueMigration

    // Identity and counters.
    func currentActor() throws -> Actor
    func localCounter() throws -> Int64
    func takeEpoch(above: Int, rolledBack: Bool) throws
    func versionIdentity(_ actor: Actor, atOrBelow seq: Int64) throws -> (seq: Int64, text: String)?
    func newestVersion(of node: String) throws -> (Actor, Int64, String)?

    // Receiving.
    @discardableResult
    func apply(_ versions: [GroupVersion], from link: String, within: Jurisdiction?, recording: [(String, String)],
               through: [Actor: (from: Int64, to: Int64)], writer: Actor?) throws -> ApplyResult
    @discardableResult func captureExternalWrites() throws -> Int

    // Sending up: have-vectors and push batches.
    func haveVector(subtree prefix: String) throws -> [Actor: Int64]
    func pushBatch(parentHave: [Actor: Int64], limit: Int) throws -> (versions: [GroupVersion], through: [Actor: (from: Int64, to: Int64)])
    func setAside(_ dot: Dot, reason: String) throws
    @discardableResult func purgeMovedOut(parentHave: [Actor: Int64]) throws -> Int

    // Sending down: routes and scans.
    func routed(to child: String, after: Int64, limit: Int) throws -> (versions: [GroupVersion], last: Int64, more: Bool)
    func scan(for child: String, after: Int64, limit: Int) throws -> (versions: [GroupVersion], last: Int64, more: Bool)
    func acknowledgeRoutes(child: String, through position: Int64) throws
    func versionsPending(for child: String, after cursor: PullCursor) throws -> Int64
    func ackedRoute(child: String) throws -> Int64
    func issuedPositions(child: String) throws -> (route: Int64, feed: Int64)
    func noteIssued(child: String, route: Int64, feed: Int64) throws
    func feedHead() throws -> Int64
    func routeHead() throws -> Int64

    // Link bookkeeping and cursors.
    func syncState(_ name: String) throws -> String?
    func setSyncState(_ name: String, _ value: String) throws
    func noteLink(_ node: String, push: Int?, pull: Int?, error: String?, at ms: Int64) throws

    // Tombstone purging (Replica+Purge, docs/DATA-MODEL.md "Purging tombstones").
    func rootPosition() throws -> RootPosition?
    func stableReport() throws -> RootPosition?
    func noteStable(child: String, _ p: RootPosition) throws
    @discardableResult func purgeStable(limit: Int, deletedBefore: Int64) throws -> Int
    func purgeNotices(for child: String, after position: Int64, limit: Int) throws -> (notices: [PurgeNotice], last: Int64, more: Bool)
    @discardableResult func applyPurges(_ notices: [PurgeNotice], recording: [(String, String)]) throws -> Int

    // The catalogue workflow's events.
    func workflowEventsToSendUp(limit: Int, sharing: Bool) throws -> [WorkflowEvent]
    func sharingEventsWaiting() throws -> Bool
    func markWorkflowSentUp(_ ids: [String]) throws
    func workflowEvents(for child: String, after position: Int64, limit: Int, sharing: Bool) throws -> (events: [WorkflowEvent], last: Int64)
    @discardableResult func receiveWorkflow(_ events: [WorkflowEvent], from link: String, child: Bool) throws -> Int
}

extension Replica: SyncStore {}
