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

    /// The issue as found on input line `line` of a file or batch: its line recorded, and its
    /// messages led by it ("第3行：…", "line 3: …"), the one place that wording is made.
    public func at(line: Int) -> ValidationIssue {
        ValidationIssue(field: field, rule: rule, messageZh: "第\(line)行：\(messageZh)",
                        messageEn: "line \(line): \(messageEn)", line: line)
    }

    /// What leads the messages of an issue with a line (empty without one), and the messages
    /// without it: for lists that show the line apart or not at all.
    public var linePrefixZh: String { line.map { "第\($0)行：" } ?? "" }
    public var linePrefixEn: String { line.map { "line \($0): " } ?? "" }
    public var messageZhWithoutLine: String { Self.dropping(linePrefixZh, from: messageZh) }
    public var messageEnWithoutLine: String { Self.dropping(linePrefixEn, from: messageEn) }

    private static func dropping(_ prefix: String, from text: String) -> String {
        !prefix.isEmpty && text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
