import Causality

/// An open conflict: concurrent versions of one group of one record that say different things
/// (or an update concurrent with a delete, group `_exists`). Every competing version is kept.
public struct Conflict: Sendable, Equatable {
    public let resource: String
    public let key: String
    public let group: String
    /// All competing versions, the visible winner first.
    public let versions: [GroupVersion]

    /// A stable identifier, the same on every node: "person/150603…/contact".
    public var id: String { "\(resource)/\(key)/\(group)" }

    public static func parseID(_ id: String) -> (resource: String, key: String, group: String)? {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return (parts[0], parts[1], parts[2])
    }
}
