/// A problem with an .xlsx file, worded for the clerk who saved it from Excel: what is wrong in
/// Chinese and English, and where (the sheet row) when it is tied to one.
public struct XLSXError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for code and tests that react to a particular problem.
    public enum Kind: String, Sendable {
        /// The file cannot be opened, read or written.
        case io
        /// Not a ZIP archive, or one this reader does not accept (ZIP64, encrypted, spanned).
        case notZip
        /// The central directory or a local header is damaged or contradicts itself.
        case badArchive
        /// An entry would inflate beyond what it declares or beyond the reader's limits.
        case tooLarge
        /// An entry's data does not match its CRC-32 or declared size, or does not inflate.
        case corrupt
        /// A part the workbook needs is missing.
        case missingPart
        /// A part is not well-formed XML of the subset read here (or uses a DOCTYPE).
        case badXML
        /// A cell or row the sheet holds makes no sense (shared string out of range, bad reference).
        case badCell
    }

    public let kind: Kind
    /// The sheet row (1-based) the problem is in; 0 when it is not tied to a row.
    public let row: Int
    public let chinese: String
    public let english: String

    public init(_ kind: Kind, row: Int = 0, _ chinese: String, _ english: String) {
        self.kind = kind
        self.row = row
        self.chinese = chinese
        self.english = english
    }

    public var description: String {
        row > 0 ? "第 \(row) 行：\(chinese) (row \(row): \(english))" : "\(chinese) (\(english))"
    }
}
