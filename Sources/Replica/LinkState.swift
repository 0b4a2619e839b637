/// What this node knows about one of its links, for `status`.
public struct LinkState: Sendable, Equatable {
    public let node: String
    /// "parent" or "child".
    public let role: String
    public let lastPushMilliseconds: Int64?
    public let lastPullMilliseconds: Int64?
    public let lastSeenMilliseconds: Int64?
    public let lastError: String?
    public let pushed: Int
    public let pulled: Int
    /// For a child: versions queued for it and not yet confirmed.
    public let routesPending: Int
}
