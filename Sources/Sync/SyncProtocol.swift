/// The protocol's version. A parent and a child of different releases either speak a version
/// both support or refuse each other with a clear message.
public enum SyncProtocol {
    public static let version = 1
    public static let oldestSupported = 1
    /// Most versions in one push or pull batch (a batch is applied in one transaction).
    public static let maxBatch = 5_000
    /// Parts of protocol 1 added after its first release, announced in `Hello` and
    /// `CatalogueExchange` so that a peer of an earlier release is never sent what it cannot
    /// read. `sharing`: the workflow events of data requests and quality checks (issue 16).
    /// A peer announcing nothing is of an earlier release.
    public static let features: Set<String> = [sharingEvents]
    public static let sharingEvents = "sharing"

    /// The common version, or nil when there is none.
    public static func agree(theirs: Int, theirOldest: Int) -> Int? {
        let v = min(version, theirs)
        return v >= max(oldestSupported, theirOldest) ? v : nil
    }
}
