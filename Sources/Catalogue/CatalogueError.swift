/// A catalogue that cannot be used, with every problem found (so an editor fixes them in one go).
public struct CatalogueError: Error, CustomStringConvertible, Sendable, Equatable {
    public let problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String {
        "数据目录无效 / invalid catalogue:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
