import Foundation

/// One national code set (代码集), such as GB/T 2261.1 sex codes, loaded from a data file.
///
/// Records store codes, people read names; the set translates both ways and tells a clerk which
/// codes are allowed when a value is not one of them.
public struct CodeSet: Sendable, Equatable {
    /// One code and its name; `attributes` holds any further columns (e.g. `letters` for GB/T 3304).
    public struct Entry: Sendable, Hashable, Codable {
        public var code: String
        public var name: String
        public var attributes: [String: String]

        public init(code: String, name: String, attributes: [String: String] = [:]) {
            self.code = code
            self.name = name
            self.attributes = attributes
        }
    }

    /// Standard number without year, e.g. `GB/T 2261.1`; stable across editions.
    public let id: String
    /// Full designation with year, e.g. `GB/T 2261.1-2003`.
    public let designation: String
    /// Chinese title, e.g. `人的性别代码`.
    public let title: String
    /// Entries in file order.
    public let entries: [Entry]

    private let byCode: [String: Int]
    private let byName: [String: Int]
    /// Short labels people write for an entry (男 for 男性, 汉 for 汉族, 中共党员): its `short`
    /// attribute (several separated by 、), and its name without a trailing 性 or 族; an alias
    /// that could mean two entries, or is another entry's code or name, is left out.
    private let byAlias: [String: Int]

    public init(id: String, designation: String, title: String, entries: [Entry]) {
        self.id = id
        self.designation = designation
        self.title = title
        self.entries = entries
        byCode = Dictionary(entries.enumerated().map { ($0.element.code, $0.offset) }, uniquingKeysWith: { a, _ in a })
        byName = Dictionary(entries.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var aliases: [String: Int] = [:]
        var ambiguous: Set<String> = []
        for (i, e) in entries.enumerated() {
            var candidates = (e.attributes["short"] ?? "").split(separator: "、").map { String($0) }
            if e.name.count > 1, let last = e.name.last, last == "性" || last == "族" { candidates.append(String(e.name.dropLast())) }
            for a in candidates where !a.isEmpty {
                if let other = aliases[a], other != i { ambiguous.insert(a) }
                aliases[a] = i
            }
        }
        let codes = byCode, names = byName
        byAlias = aliases.filter { !ambiguous.contains($0.key) && codes[$0.key] == nil && names[$0.key] == nil }
    }

    public func entry(code: String) -> Entry? { byCode[code].map { entries[$0] } }
    public func entry(name: String) -> Entry? { byName[name].map { entries[$0] } }
    public func name(forCode code: String) -> String? { entry(code: code)?.name }
    public func code(forName name: String) -> String? { entry(name: name)?.code }
    /// The code a person meant by `label`: an entry's name or one of its short labels.
    public func code(forLabel label: String) -> String? {
        (byName[label] ?? byAlias[label]).map { entries[$0].code }
    }
    public func contains(code: String) -> Bool { byCode[code] != nil }

    /// Checks that `value` is a code of this set. An empty value passes: whether a field is
    /// required is decided by the caller.
    public func check(_ value: String, field: String) -> [ValidationIssue] {
        if value.isEmpty || contains(code: value) { return [] }
        let examples = entries.prefix(4).map { "\($0.code) \($0.name)" }
        let more = entries.count > 4 ? "…" : ""
        var hintZh = ""
        var hintEn = ""
        if let named = entry(name: value) {
            hintZh = "；“\(value)”是名称，请填写它的代码 \(named.code)"
            hintEn = "; \"\(value)\" is a name, enter its code \(named.code)"
        } else if value.count == 1, let padded = entry(code: "0" + value) {
            hintZh = "；是否应为 \(padded.code)（\(padded.name)）？代码需保留前导0"
            hintEn = "; did you mean \(padded.code) (\(padded.name))? Keep the leading zero"
        }
        return [ValidationIssue(
            field: field, rule: "codeset.unknown_code",
            messageZh: "“\(value)”不是 \(designation)《\(title)》中的代码，可用代码如：\(examples.joined(separator: "、"))\(more)\(hintZh)",
            messageEn: "\"\(value)\" is not a code of \(designation) (\(title)); valid codes include \(examples.joined(separator: ", "))\(more)\(hintEn)")]
    }

    /// Parses a code-set file: `#` comment lines (the first is `<designation> <title>`, e.g.
    /// `# GB/T 2261.1-2003 人的性别代码`), a header starting `code\tname`, then rows.
    public static func parse(_ text: String, source: String) throws -> CodeSet {
        let table = try TSVTable(text: text, source: source)
        guard let first = table.comments.first, !first.isEmpty else {
            throw StandardsDataError(source: source, line: 1, reason: "first line must be '# <standard> <title>'")
        }
        let words = first.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let designationWords = words.first.map { $0 == "GB" || $0 == "GB/T" || $0 == "GA" || $0 == "GA/T" } == true ? 2 : 1
        guard words.count > designationWords else {
            throw StandardsDataError(source: source, line: 1, reason: "first comment must name the standard and its title, found '\(first)'")
        }
        let designation = words.prefix(designationWords).joined(separator: " ")
        let title = words.dropFirst(designationWords).joined(separator: " ")
        let id = Self.stripYear(designation)

        let codeColumn = try table.column("code")
        let nameColumn = try table.column("name")
        var entries: [Entry] = []
        var seen: Set<String> = []
        for row in table.rows {
            let code = row[codeColumn]
            let name = row[nameColumn]
            guard !code.isEmpty, !name.isEmpty else { throw table.error(row, "code and name are required") }
            guard seen.insert(code).inserted else { throw table.error(row, "code \(code) appears twice") }
            var attributes: [String: String] = [:]
            for (index, column) in table.header.enumerated() where index != codeColumn && index != nameColumn {
                if !row[index].isEmpty { attributes[column] = row[index] }
            }
            entries.append(Entry(code: code, name: name, attributes: attributes))
        }
        guard !entries.isEmpty else { throw StandardsDataError(source: source, line: 0, reason: "no codes") }
        return CodeSet(id: id, designation: designation, title: title, entries: entries)
    }

    /// Reads a code-set file.
    public static func load(_ url: URL) throws -> CodeSet {
        let data = try Data(contentsOf: url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw StandardsDataError(source: url.lastPathComponent, line: 0, reason: "not UTF-8 text")
        }
        return try parse(text, source: url.lastPathComponent)
    }

    /// `GB/T 2261.1-2003` → `GB/T 2261.1`: the year changes with each edition, the number does not.
    private static func stripYear(_ designation: String) -> String {
        guard let dash = designation.lastIndex(of: "-") else { return designation }
        let year = designation[designation.index(after: dash)...]
        return year.count == 4 && DigitString(year) != nil ? String(designation[..<dash]) : designation
    }
}
