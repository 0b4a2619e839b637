/// A problem in a CSV file, reported to community staff who fix the file in Excel: it cites the
/// physical line number Excel/Notepad shows, and says what is wrong in Chinese and English.
public struct CSVError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for code that reacts to a particular problem (tests, retry logic).
    public enum Kind: String, Sendable {
        case io
        case unterminatedQuote
        case strayQuote
        case textAfterQuote
        case fieldTooLong
        case recordTooLong
        case tooManyFields
        case invalidEncoding
        case duplicateColumn
        case missingColumn
    }

    public let kind: Kind
    /// 1-based physical line; 0 when the problem is not tied to a line (e.g. the file cannot be opened).
    public let line: Int
    /// The message in Chinese, for the staff who read it.
    public let chinese: String
    /// The message in English, for logs and developers.
    public let english: String

    public init(_ kind: Kind, line: Int, chinese: String, english: String) {
        self.kind = kind
        self.line = line
        self.chinese = chinese
        self.english = english
    }

    public var description: String {
        line > 0
            ? "第 \(line) 行：\(chinese) (line \(line): \(english))"
            : "\(chinese) (\(english))"
    }
}
