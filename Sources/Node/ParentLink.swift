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
    /// The same, and with `estimate` the page says how many versions remain after it.
    func pull(cursor: PullCursor?, limit: Int, estimate: Bool) throws -> PullPage
    /// Bytes of answers received over this link so far (0 where nothing is counted).
    var bytesReceived: Int64 { get }
    /// The catalogue part of the round: workflow events up, catalogues and events down.
    func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer
    /// The last part of a round: what the subtree vouches for up, purge notices down.
    func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer
}

extension ParentLink {
    /// Links that cannot ask for an estimate pull without one.
    public func pull(cursor: PullCursor?, limit: Int, estimate: Bool) throws -> PullPage { try pull(cursor: cursor, limit: limit) }
    public var bytesReceived: Int64 { 0 }
}
