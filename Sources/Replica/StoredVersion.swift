/// A run of versions just stored in this transaction (one row), waiting for its record's routes.
struct StoredVersion: Sendable, Equatable {
    /// The row: its change-feed position.
    let id: Int64
    let scope: String
    /// The link it came from ('' when written here); never routed back there.
    let link: String
}
