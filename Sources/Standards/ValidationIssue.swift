/// One problem found in one value, worded for the clerk who typed it.
///
/// Validators collect every issue they can find instead of stopping at the first, so a person
/// fixing a record sees all that is wrong with it at once. `rule` is a stable identifier
/// (`id.check_char`, `uscc.division`, …) that programs and tests match on; the messages may change.
public struct ValidationIssue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The field (column) that holds the value, e.g. `id_number`.
    public var field: String
    /// Stable rule identifier such as `id.check_char`.
    public var rule: String
    /// Plain-language Chinese message.
    public var messageZh: String
    /// Plain-language English message.
    public var messageEn: String
    /// The input line (1-based) the value came from, when it came from a file or a batch: set by
    /// whoever knows it, so callers group and sort issues by line without reading the messages.
    public var line: Int?

    public init(field: String, rule: String, messageZh: String, messageEn: String, line: Int? = nil) {
        self.field = field
        self.rule = rule
        self.messageZh = messageZh
        self.messageEn = messageEn
        self.line = line
    }

    public var description: String { "\(field) [\(rule)] \(messageZh) / \(messageEn)" }
}
