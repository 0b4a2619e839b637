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
        // Split on any line break; "\r\n" is a single Character in Swift, so splitting on "\n" would miss it.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = String(rawLine)
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            if line.hasPrefix("#") {
                if header == nil { comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)) }
                continue
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if header == nil { header = fields } else { rows.append(Row(line: lineNumber, fields: fields)) }
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
