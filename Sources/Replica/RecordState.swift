import Catalogue
import Causality

/// One record as a write sees it: read once (its row id, stored scope and current versions),
/// changed in memory as versions are written or received, and written back once by `refresh`.
/// Re-reading and decoding the record after every version was most of a write's reads.
struct RecordState {
    let resource: Resource
    let key: String
    /// `_rs_record.id`: versions name their record by it.
    let id: Int64
    /// Whether its `_rs_record` row exists yet (a new record's is written by its first refresh).
    var isStored: Bool
    /// The scope stored for the record before this write; nil for a record new here.
    let storedScope: String?
    /// Current versions by group, and the row id of each (to mark it superseded).
    var current: [String: [GroupVersion]]
    var rows: [Dot: Int64]
    /// Versions stored since the last refresh, waiting for their routes.
    var stored: [StoredVersion] = []

}
