import Causality
import Sync

/// What a child needs from its parent for one sync round. Implemented over HTTP for real links
/// and directly over a `ParentService` in tests, so the round's logic runs the same in both.
public protocol ParentLink {
    func hello() throws -> Hello
    /// The parent's have-vector for the child's subtree, fresh.
    func have() throws -> HaveVector
    /// Sends a batch that needs catalogue version `catalogue`; the parent applies it in one
    /// transaction before answering (or refuses it, keeping nothing, when its catalogue is older).
    func push(_ batch: PushBatch) throws -> PushOutcome
    /// Receives the next page for the child after `cursor`.
    func pull(cursor: PullCursor?, limit: Int) throws -> PullPage
    /// The catalogue part of the round: workflow events up, catalogues and events down.
    func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer
    /// The last part of a round: what the subtree vouches for up, purge notices down.
    func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer
}

/// The parent's answer to a push.
public struct PushOutcome: Equatable, Sendable {
    public var applied: Int
    public var skipped: Int
    public init(applied: Int, skipped: Int) {
        self.applied = applied
        self.skipped = skipped
    }
}

/// One page of a pull.
public struct PullPage: Equatable, Sendable {
    public var versions: [GroupVersion]
    public var cursor: PullCursor
    public var more: Bool
    /// The catalogue version the page needs (the parent's).
    public var catalogue: Int
    /// The child's route cursor was behind a position it had already confirmed: the child went
    /// back in time with its lease, and this page starts a scan of its subtree again.
    public var rewound = false
    /// With the page that leaves nothing to pull: how far the parent had received the root's
    /// feed before it read the page, so the child now holds all of that (for purging tombstones).
    public var received: RootPosition?
    public init(versions: [GroupVersion], cursor: PullCursor, more: Bool, catalogue: Int = 0) {
        self.versions = versions
        self.cursor = cursor
        self.more = more
        self.catalogue = catalogue
    }
}
