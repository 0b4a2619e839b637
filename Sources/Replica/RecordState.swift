import Catalogue
import Causality
import SQLite

/// One record as a write sees it: read once (its row id, stored scope and current versions),
/// changed in memory as versions are written or received, and written back once by `refresh`,
/// which also stores the new versions as runs (one row per write). Re-reading and decoding the
/// record after every version, and one row per version, were most of a write's cost.
struct RecordState {
    let resource: Resource
    let key: String
    /// `_rs_record.id`: versions name their record by it.
    let id: Int64
    /// Whether its `_rs_record` row exists yet (a new record's is written by its first refresh).
    var isStored: Bool
    /// The scope stored for the record before this write; nil for a record new here.
    let storedScope: String?
    /// Current versions by group.
    var current: [String: [GroupVersion]]
    /// Where each current version already in the file lives: its run's row and its place in it.
    var rows: [Dot: (row: Int64, index: Int)]
    /// Versions this write stored that are not in a row yet, in order, each still current or not.
    var pending: [(version: GroupVersion, link: String, current: Bool)] = []
    /// The record's row as it stands in its resource table, when the caller read it (a captured
    /// write): `refresh` skips rewriting a row that already holds what the versions say.
    var tableRow: [SQLValue]?
    /// Runs written since the last refresh, waiting for their routes.
    var stored: [StoredVersion] = []
    /// What purge notices left gone of the record (nil when none applied): a received version it
    /// covers is not taken again, and a re-creation here has seen it.
    var purged: VersionVector?
}
