import JSON
import Standards

/// One data row of an import file, read but not yet written.
public struct ImportRow {
    /// The line (CSV, JSON Lines) or sheet row (xlsx) where the row begins: what Excel or a text
    /// editor shows.
    public let line: Int
    /// The fields given, or nil when the row could not even be read as a record.
    public var patch: JSONObject?
    /// Problems found while reading the row (messages start with "第N行：" / "line N: ").
    public var issues: [ValidationIssue]
    /// The row as it was in the file, for the reject file.
    public let raw: Raw

    public enum Raw {
        /// The cells of a sheet row (CSV or xlsx), as text.
        case cells([String])
        case json(String)
    }

    public init(line: Int, patch: JSONObject?, issues: [ValidationIssue], raw: Raw) {
        self.line = line
        self.patch = patch
        self.issues = issues
        self.raw = raw
    }
}

/// A source of import rows, read one at a time (constant memory whatever the file's length).
public protocol ImportSource: AnyObject {
    /// The next data row, nil at the end; throws an `ImportFileError` when the file cannot be read further.
    func next() throws -> ImportRow?
    /// A writer for rows that were refused, in the same format as the input.
    func rejectWriter(path: String?) throws -> RejectWriter
}

public func lineIssue(_ line: Int, field: String = "", rule: String, _ zh: String, _ en: String) -> ValidationIssue {
    ValidationIssue(field: field, rule: rule, messageZh: zh, messageEn: en).at(line: line)
}

/// A file that cannot be imported at all (unreadable, no key column, unknown columns, damaged
/// xlsx): nothing was written. `details` carries machine-readable members for JSON answers.
public struct ImportFileError: Error, CustomStringConvertible {
    public let messageZh: String
    public let messageEn: String
    public let details: JSONObject

    public init(_ zh: String, _ en: String, details: JSONObject = JSONObject()) {
        messageZh = zh
        messageEn = en
        self.details = details
    }

    public var description: String { "\(messageZh) / \(messageEn)" }
}
