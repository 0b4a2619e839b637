import Foundation

/// A tab-separated table as the Standards data files write it: `#` comment lines, one header
/// line naming the columns, then rows.
///
/// Columns are found by header name, so a data file may gain columns without breaking readers.
struct TSVTable {
    struct Row {
        let line: Int
        let fields: [String]
    }

    let source: String
    let comments: [String]
    let header: [String]
    let rows: [Row]

    init(text: String, source: String) throws {
        var comments: [String] = []
        var header: [String]?
        var rows: [Row] = []
        var lineNumber = 0
        // Read as UTF-8 bytes: the files are tens of thousands of lines, and splitting them into
        // Characters and trimming each cell with Foundation was nearly all of a command's start-up.
        var text = text
        text.withUTF8 { all in
            var at = 0
            while at < all.count {
                // A line ends at "\n", "\r\n" or a lone "\r".
                var end = at
                while end < all.count && all[end] != 0x0A && all[end] != 0x0D { end += 1 }
                var line = UnsafeBufferPointer(rebasing: all[at..<end])
                at = end < all.count && all[end] == 0x0D && end + 1 < all.count && all[end + 1] == 0x0A ? end + 2 : end + 1
                lineNumber += 1
                if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = UnsafeBufferPointer(rebasing: line.dropFirst(3)) }
                if line.first == UInt8(ascii: "#") {
                    if header == nil { comments.append(String(decoding: line.dropFirst(), as: UTF8.self).trimmingSpace()) }
                    continue
                }
                let fields = line.split(separator: 0x09, omittingEmptySubsequences: false).map {
                    String(decoding: $0, as: UTF8.self).trimmingSpace()
                }
                if fields.allSatisfy(\.isEmpty) { continue }
                if header == nil { header = fields } else { rows.append(Row(line: lineNumber, fields: fields)) }
            }
        }
        guard let header else { throw StandardsDataError(source: source, line: 0, reason: "no header line") }
        self.source = source
        self.comments = comments
        self.header = header
        self.rows = rows
    }

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw StandardsDataError(source: url.lastPathComponent, line: 0, reason: "not UTF-8 text")
        }
        try self.init(text: text, source: url.lastPathComponent)
    }

    /// Index of a required column.
    func column(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw StandardsDataError(source: source, line: 0,
                                     reason: "missing column '\(name)' (header: \(header.joined(separator: ", ")))")
        }
        return index
    }

    func error(_ row: Row, _ reason: String) -> StandardsDataError {
        StandardsDataError(source: source, line: row.line, reason: reason)
    }
}

extension TSVTable.Row {
    /// The field in `column`, or "" when the row is shorter (trailing empty cells are often cut).
    subscript(_ column: Int) -> String { column < fields.count ? fields[column] : "" }
}
