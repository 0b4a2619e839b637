/// A version just stored in this transaction, waiting for its record's routes to be decided.
struct StoredVersion: Sendable, Equatable {
    let id: Int64
    let scope: String
    /// The link it came from ('' when written here); never routed back there.
    let link: String
}
