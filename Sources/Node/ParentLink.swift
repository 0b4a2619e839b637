import Causality
import Sync

/// What a child needs from its parent for one sync round. Implemented over HTTP for real links
/// and directly over a `ParentService` in tests, so the round's logic runs the same in both.
public protocol ParentLink {
    func hello() throws -> Hello
    /// The parent's have-vector for the child's subtree, fresh.
    func have() throws -> HaveVector
    /// Sends a batch; the parent applies it in one transaction before answering.
    func push(_ versions: [GroupVersion]) throws -> PushOutcome
    /// Receives the next page for the child after `cursor`.
    func pull(cursor: PullCursor?, limit: Int) throws -> PullPage
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
    public init(versions: [GroupVersion], cursor: PullCursor, more: Bool) {
        self.versions = versions
        self.cursor = cursor
        self.more = more
    }
}
