import Standards

/// Fields that state one fact together and so change and merge as a unit, with the level that is
/// its single authoritative source (一数一源).
public struct FieldGroup: Sendable, Equatable {
    public let name: String
    public let label: String
    public let fields: [String]
    public let authority: DivisionLevel?
    public let isTagSet: Bool
    /// The levels whose nodes may write this group (`writable_by`); nil: every level. A parent
    /// refuses a pushed version of the group written at any other level.
    public let writers: Set<DivisionLevel>?

    public init(name: String, label: String, fields: [String], authority: DivisionLevel?, isTagSet: Bool = false,
                writers: Set<DivisionLevel>? = nil) {
        self.name = name
        self.label = label
        self.fields = fields
        self.authority = authority
        self.isTagSet = isTagSet
        self.writers = writers
    }

    public func isWritable(by level: DivisionLevel) -> Bool { writers?.contains(level) ?? true }
}
