/// What applying a batch of received versions did.
public struct ApplyResult: Sendable, Equatable {
    /// New versions stored.
    public var applied = 0
    /// Versions already held (a replayed or duplicated batch).
    public var skipped = 0
    /// Records whose visible state was recomputed.
    public var records = 0
    public init() {}
}
