import Standards

/// How one field group merges: which level is its single authoritative source (一数一源),
/// and whether it is a tag set merged add-wins instead of picking a winner.
public struct GroupPolicy: Sendable, Equatable {
    public var authority: DivisionLevel?
    public var isTagSet: Bool
    /// The group's fields, so a record view can list every field even when a group was never written.
    public var fields: [String]

    public init(authority: DivisionLevel?, isTagSet: Bool = false, fields: [String]) {
        self.authority = authority
        self.isTagSet = isTagSet
        self.fields = fields
    }
}
