/// A data file shipped with (or given to) the Standards module could not be read.
///
/// Carries the file and line so a broken table is fixed at its source instead of silently
/// producing wrong validation results.
public struct StandardsDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// File name or description of the in-memory source.
    public var source: String
    /// 1-based line number, 0 when the problem concerns the whole file.
    public var line: Int
    public var reason: String

    public init(source: String, line: Int, reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line > 0 ? "\(source):\(line): \(reason)" : "\(source): \(reason)"
    }
}
