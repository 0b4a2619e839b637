import Standards

/// One node of a hierarchy run on this machine: its division code and its parent's. The level and
/// the jurisdiction follow from the code's shape (`DivisionCode+Shape`).
public struct HierarchyNode: Sendable, Equatable {
    public let code: String
    public let parent: String?

    public init(code: String, parent: String?) {
        self.code = code
        self.parent = parent
    }

    public var level: String { DivisionCode.level(ofShape: code)?.rawValue ?? "district" }
    /// Jurisdiction prefix: the city holds its whole prefecture (4 digits), the others their code.
    public var prefix: String { level == "city" ? String(code.prefix(4)) : code }
    public func holds(scope: String) -> Bool { scope.hasPrefix(prefix) }
}
