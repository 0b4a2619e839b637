import Standards

/// The records a node holds: those whose scope (a division code) lies in its subtree.
/// A subtree is a code prefix: city 150600 → "1506", district 150603 → "150603", and so on.
public struct Jurisdiction: Sendable, Equatable, CustomStringConvertible {
    public let node: String
    public let prefix: String

    public init(node: String) {
        self.node = node
        prefix = DivisionCode.subtreePrefix(node)
    }

    public func contains(_ scope: String) -> Bool { scope.hasPrefix(prefix) }

    public var description: String { node }
}
