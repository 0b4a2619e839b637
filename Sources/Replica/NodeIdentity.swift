import Standards

/// Who this replica is in the hierarchy.
public struct NodeIdentity: Sendable, Equatable {
    public let code: String
    public let name: String
    public let level: DivisionLevel
    /// The parent's code; nil for the city hub.
    public let parent: String?

    public init(code: String, name: String, level: DivisionLevel, parent: String?) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
    }

    public var jurisdiction: Jurisdiction { Jurisdiction(node: code) }
}
