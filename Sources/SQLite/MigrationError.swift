/// A file that cannot be migrated by this release.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    /// The file was written by a newer release: these steps are unknown here.
    case unknownMigrations([String])

    public var description: String {
        switch self {
        case .unknownMigrations(let ids):
            return "the file was upgraded by a newer rootsync (schema steps \(ids.joined(separator: ", ")) are unknown to this release); use that release or newer"
        }
    }
}
