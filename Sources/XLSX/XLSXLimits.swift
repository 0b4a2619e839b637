/// How much an .xlsx file may make the reader hold or inflate. The defaults fit any sheet an
/// office saves for import (Excel's own limits: 1,048,576 rows, 16,384 columns, 32,767 characters
/// a cell) while a zip bomb or a crafted file stops at a known, small cost.
public struct XLSXLimits: Sendable {
    /// Entries in the central directory.
    public var maxEntries = 10_000
    /// Bytes of the central directory.
    public var maxCentralDirectoryBytes = 4 << 20
    /// Inflated bytes of the sheet read (it is streamed, so this bounds time, not memory).
    public var maxSheetBytes = 1 << 30
    /// Inflated bytes of the shared strings part (held in memory as strings).
    public var maxSharedStringsBytes = 128 << 20
    /// Strings in the shared strings table.
    public var maxSharedStrings = 2_000_000
    /// Inflated bytes of each other part read (workbook, relationships, styles).
    public var maxPartBytes = 8 << 20
    /// Columns of a row: a cell further right is refused (a crafted `XFD1` must not make the
    /// reader allocate 16,384 cells a row).
    public var maxColumns = 1_024
    /// The last row number accepted (Excel's own).
    public var maxRow = 1_048_576
    /// Characters of one cell (Excel's own).
    public var maxCellCharacters = 32_767
    /// Nesting depth of XML elements.
    public var maxDepth = 64

    public init() {}
}
