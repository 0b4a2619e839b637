import JSON

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

    /// A `features` list as sent: its names in order.
    public static func json(features: Set<String>) -> JSONValue { .array(features.sorted().map { .string($0) }) }

    /// A `features` list: absent or null is an earlier release (none); otherwise at most 64
    /// short names. Names this release does not know are kept (a later release's).
    public static func features(_ value: JSONValue?) throws -> Set<String> {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue, list.count <= 64 else { throw WireError("features must be an array of at most 64 names") }
        var out = Set<String>()
        for item in list {
            guard let name = item.stringValue, !name.isEmpty, name.utf8.count <= 64 else { throw WireError("features must be names of 1 to 64 bytes") }
            out.insert(name)
        }
        return out
    }
}
