/// Column lookup by name for an imported sheet, so imports work whatever order staff put the
/// columns in. Names are trimmed (Excel users often leave a space after a name); an empty name is
/// ignored (Excel exports trailing empty columns); a repeated name is an error, because silently
/// taking one of two "身份证号" columns could import the wrong one.
public struct CSVHeader: Sendable, Equatable {
    /// The trimmed names, in file order (empty strings for unnamed columns).
    public let names: [String]
    private let indexes: [String: Int]
    /// Line of the header record, for errors about it.
    public let line: Int

    public init(_ fields: [String], line: Int = 1) throws {
        var names: [String] = []
        var indexes: [String: Int] = [:]
        for (i, f) in fields.enumerated() {
            let name = Self.trim(f)
            names.append(name)
            if name.isEmpty { continue }
            if let first = indexes[name] {
                throw CSVError(.duplicateColumn, line: line,
                               chinese: "列名“\(name)”重复（第 \(first + 1) 列和第 \(i + 1) 列）",
                               english: "duplicate column \"\(name)\" (columns \(first + 1) and \(i + 1))")
            }
            indexes[name] = i
        }
        self.names = names
        self.indexes = indexes
        self.line = line
    }

    /// Index of the column named `name` (trimmed), if present.
    public func index(of name: String) -> Int? {
        indexes[Self.trim(name)]
    }

    public subscript(name: String) -> Int? { index(of: name) }

    /// Checks that all `required` columns exist, naming every missing one at once.
    public func require(_ required: [String]) throws {
        let missing = required.filter { index(of: $0) == nil }
        if missing.isEmpty { return }
        let list = missing.joined(separator: "、")
        throw CSVError(.missingColumn, line: line, chinese: "缺少列：\(list)",
                       english: "missing columns: \(missing.joined(separator: ", "))")
    }

    /// The value of column `name` in `record`; nil if there is no such column or the record is short.
    public func value(_ name: String, in record: [String]) -> String? {
        guard let i = index(of: name), i < record.count else { return nil }
        return record[i]
    }

    /// Trims spaces, tabs, full-width spaces (U+3000, common in Chinese input) and stray BOMs.
    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        func blank(_ c: Unicode.Scalar) -> Bool {
            c.properties.isWhitespace || c == "\u{FEFF}"
        }
        guard let start = scalars.firstIndex(where: { !blank($0) }),
              let last = scalars.lastIndex(where: { !blank($0) }) else { return "" }
        return String(scalars[start...last])
    }
}
