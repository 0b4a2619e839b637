/// What a replica holds, counted, for `status` and the benchmark: read through the Replica's
/// API so no caller needs the SQL of its tables.
public struct StorageCounts: Sendable, Equatable {
    /// Visible rows per resource.
    public var records: [String: Int] = [:]
    public var versions = 0
    /// One per conflicted group, as `rootsync conflicts` lists them.
    public var openConflicts = 0
    public var invalidWrites = 0
    /// Writes other programs made that are not versions yet.
    public var pendingCaptures = 0
    /// The database's size (pages not yet checkpointed from the WAL included).
    public var bytes: Int64 = 0
}
