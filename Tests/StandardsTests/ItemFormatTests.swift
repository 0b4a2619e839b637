import Testing
@testable import Standards

@Suite struct ItemFormatTests {
    func format(_ text: String) throws -> ItemFormat { try ItemFormat.parse(text) }

    @Test func parsesTheCatalogueNotation() throws {
        let fixed = try format("C6")
        #expect(fixed.type == .string && fixed.minLength == 6 && fixed.maxLength == 6)
        let range = try format("C3..10")
        #expect(range.minLength == 3 && range.maxLength == 10)
        let upTo = try format("C..10")
        #expect(upTo.minLength == nil && upTo.maxLength == 10)
        let money = try format("N..15,2")
        #expect(money.type == .numeric && money.maxLength == 15 && money.fractionDigits == 2)
        let n8 = try format("N8")
        #expect(n8.minLength == nil && n8.maxLength == 8 && n8.fractionDigits == 0)
        #expect(try format("D8").maxLength == 8)
        #expect(try format("D14").maxLength == 14)
        #expect(try format("T14").type == .dateTime)
        #expect(try format("I..10").type == .integer)
        #expect(try format("L1").type == .logical)
        #expect(try format("M").maxLength == nil)
        #expect(try format("Y..12").fractionDigits == 2)
        #expect(try format("B").type == .double)
        #expect(try format("F..10,4").fractionDigits == 4)
        #expect(try format("G").type == .general)
        #expect(try format("D") == format("D8"))
        #expect(ItemType.allCases.count == 11)
        #expect(ItemType(rawValue: "Y")?.nameZh == "货币")
    }

    @Test(arguments: ["C6", "C3..10", "C..10", "N..15,2", "N..8", "D8", "D14", "T14", "I..10", "L1", "M", "Y..12", "F..10,4", "G"])
    func descriptionRoundTrips(text: String) throws {
        #expect(try format(text).description == text)
    }

    @Test(arguments: ["", "Q5", "C..", "C10..3", "C6,2", "D6", "T8", "Cabc", "I..10,2", "N..5,5", "C0", "L2", "D3..8"])
    func badFormatsAreRejected(text: String) {
        #expect(throws: ItemFormat.ParseError.self) { try ItemFormat.parse(text) }
    }

    @Test func characterLengthCountsChineseAsOne() throws {
        let c6 = try format("C6")
        #expect(c6.check("鄂尔多斯市康", field: "mc").isEmpty)
        #expect(c6.check("鄂尔多斯市", field: "mc").rules == ["format.length"])
        #expect(c6.check("1234567", field: "mc").rules == ["format.length"])
        let range = try format("C3..10")
        #expect(range.check("ab", field: "mc").rules == ["format.length"])
        #expect(range.check("abc", field: "mc").isEmpty)
        #expect(range.check("abcdefghijk", field: "mc").rules == ["format.length"])
        #expect(try format("C..10").check("a", field: "mc").isEmpty)
        #expect(try format("M..4").check("12345", field: "bz").rules == ["format.length"])
        #expect(try format("M").check(String(repeating: "备", count: 5000), field: "bz").isEmpty)
    }

    @Test func emptyValuesPass() throws {
        for text in ["C6", "N8", "D8", "L1", "T14"] { #expect(try format(text).check("", field: "x").isEmpty) }
    }

    @Test func decimals() throws {
        let n = try format("N..15,2")
        for good in ["123.45", "-1.5", "+0", "0.1", "123456789012345"] { #expect(n.check(good, field: "je").isEmpty, "\(good)") }
        #expect(n.check("1.234", field: "je").rules == ["format.decimal"])
        #expect(n.check("12a", field: "je").rules == ["format.type"])
        #expect(n.check("1.", field: "je").rules == ["format.type"])
        #expect(n.check("1.2.3", field: "je").rules == ["format.type"])
        #expect(n.check("1234567890123456", field: "je").rules == ["format.length"])
        let n8 = try format("N8")
        #expect(n8.check("12345678", field: "x").isEmpty)
        #expect(n8.check("123456789", field: "x").rules == ["format.length"])
        #expect(n8.check("1.5", field: "x").rules == ["format.decimal"])
        let money = try format("Y..12")
        #expect(money.check("10.50", field: "x").isEmpty)
        #expect(money.check("10.505", field: "x").rules == ["format.decimal"])
    }

    @Test func integers() throws {
        let i = try format("I..10")
        #expect(i.check("42", field: "x").isEmpty)
        #expect(i.check("-42", field: "x").isEmpty)
        #expect(i.check(" 42 ", field: "x").isEmpty)
        #expect(i.check("4.2", field: "x").rules == ["format.type"])
        #expect(i.check("12345678901", field: "x").rules == ["format.length"])
    }

    @Test func floatingNumbers() throws {
        let b = try format("B")
        for good in ["1.5", "-2", "1.5e3", "6.02E23"] { #expect(b.check(good, field: "x").isEmpty, "\(good)") }
        for bad in ["abc", "nan", "inf", "1,5", "0x10"] { #expect(b.check(bad, field: "x").rules == ["format.type"], "\(bad)") }
        #expect(try format("F..10,2").check("1.234", field: "x").rules == ["format.decimal"])
    }

    @Test func dates() throws {
        let d8 = try format("D8")
        #expect(d8.check("20240229", field: "rq").isEmpty)
        #expect(d8.check("20230229", field: "rq").rules == ["format.date"])
        #expect(d8.check("2024-02-29", field: "rq").isEmpty)
        #expect(d8.normalize("2024-02-29") == "20240229")
        #expect(d8.check("2024/02/29", field: "rq").rules == ["format.date"])
        #expect(d8.check("2024-2-29", field: "rq").rules == ["format.date"])
        #expect(d8.check("202402291", field: "rq").rules == ["format.date"])
    }

    @Test(arguments: ["D14", "T14"])
    func dateTimes(text: String) throws {
        let f = try format(text)
        #expect(f.check("20240229235959", field: "sj").isEmpty)
        #expect(f.check("2024-02-29 23:59:59", field: "sj").isEmpty)
        #expect(f.normalize("2024-02-29 23:59:59") == "20240229235959")
        #expect(f.normalize("2024-02-29T23:59:59") == "20240229235959")
        #expect(f.check("20240229240000", field: "sj").rules == ["format.date"])
        #expect(f.check("20240229236000", field: "sj").rules == ["format.date"])
        #expect(f.check("20240230120000", field: "sj").rules == ["format.date"])
        #expect(f.check("20240229", field: "sj").rules == ["format.date"])
    }

    @Test func logicals() throws {
        let l = try format("L1")
        for good in ["1", "0", "true", "FALSE", "是", "否"] { #expect(l.check(good, field: "x").isEmpty, "\(good)") }
        #expect(l.check("maybe", field: "x").rules == ["format.type"])
        #expect(l.normalize("是") == "1")
        #expect(l.normalize("false") == "0")
    }

    @Test func generalAcceptsAnything() throws {
        #expect(try format("G").check("\u{0}任何 thing", field: "x").isEmpty)
    }

    @Test func messagesNameTheFormat() throws {
        let issue = try format("C6").check("abc", field: "dm")[0]
        #expect(issue.field == "dm")
        #expect(issue.messageZh.contains("C6"))
        #expect(issue.messageEn.contains("C6"))
    }
}

@Suite struct ItemFormatParseErrorTests {
    @Test func errorsExplainInBothLanguages() {
        do {
            _ = try ItemFormat.parse("D6")
            Issue.record("D6 accepted")
        } catch let error as ItemFormat.ParseError {
            #expect(error.format == "D6")
            #expect(error.reasonZh.contains("D8"))
            #expect(error.description.contains("YYYYMMDD"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
