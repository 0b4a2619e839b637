import Foundation
import Testing
import Standards

/// The committed corpus of Scripts/data/make-standards-corpus.py: thousands of ID numbers and
/// credit codes built from the written rules, each with the verdict and first rule expected.
@Suite struct CorpusTests {
    struct Case {
        let line: Int
        let value: String
        let valid: Bool
        let rule: String
    }

    static func load(_ name: String) throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Corpus").appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var cases: [Case] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#") || line.hasPrefix("value\t") || line.isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 4, "\(name):\(index + 1) has \(fields.count) fields")
            cases.append(Case(line: index + 1, value: fields[0].replacingOccurrences(of: "\\t", with: "\t"),
                              valid: fields[1] == "valid", rule: fields[2]))
        }
        return cases
    }

    static let today = CalendarDate(year: 2026, month: 6, day: 1)!

    @Test func idNumbers() throws {
        let cases = try Self.load("ids.tsv")
        #expect(cases.count >= 5_000)
        #expect(cases.contains { !$0.valid } && cases.contains { $0.valid })
        let table = DivisionTable.bundled
        for c in cases {
            let result = CitizenID.check(c.value, divisions: table, today: Self.today)
            #expect(result.isValid == c.valid, "ids.tsv:\(c.line) \(c.value): \(result.issues)")
            if !c.valid { #expect(result.issues.first?.rule == c.rule, "ids.tsv:\(c.line) \(c.value)") }
        }
    }

    @Test func creditCodes() throws {
        let cases = try Self.load("uscc.tsv")
        #expect(cases.count >= 2_000)
        let table = DivisionTable.bundled
        for c in cases {
            let result = CreditCode.check(c.value, divisions: table)
            #expect(result.isValid == c.valid, "uscc.tsv:\(c.line) \(c.value): \(result.issues)")
            if !c.valid { #expect(result.issues.first?.rule == c.rule, "uscc.tsv:\(c.line) \(c.value)") }
        }
    }
}
