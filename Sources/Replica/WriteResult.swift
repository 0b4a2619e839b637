/// What a local write did.
public struct WriteResult: Sendable, Equatable {
    public let resource: String
    public let key: String
    public let created: Bool
    /// Groups that received a new version (empty when nothing changed).
    public let groups: [String]
}
