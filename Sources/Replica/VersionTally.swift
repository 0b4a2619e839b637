/// Versions held per resource, kept up to date by adding only the runs stored since the last
/// count (`Replica.versionCounts(updating:)`): a full count reads every run (0.37 s for 500,000
/// records with 2,000,000 versions), the update reads only the new ones and two index counts.
public struct VersionTally: Sendable, Equatable {
    /// Versions per resource of the catalogue in force.
    public internal(set) var perResource: [String: Int] = [:]
    /// Runs (rows of the version store) counted, and the newest run id among them.
    var runs = 0
    var through: Int64 = 0

    public init() {}
}
