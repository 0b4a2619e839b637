/// One cell of a sheet as the reader hands it over: its text, and what kind of value Excel kept,
/// so an importer can tell an ID typed as text from one Excel stored as a number.
public struct XLSXCell: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A string (shared, inline or a formula's string result), or an empty cell.
        case text
        /// A number, as the file spells it (`1.50603198001E+17` when Excel rounded an ID).
        case number
        /// TRUE or FALSE, given as `1` or `0`.
        case boolean
        /// A number in a date format, given as `YYYY-MM-DD` (with ` HH:MM:SS` when it has a time).
        case date
        /// An error value such as `#N/A`.
        case error
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    public static let empty = XLSXCell(.text, "")
}
