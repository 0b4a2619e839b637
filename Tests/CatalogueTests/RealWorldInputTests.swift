import Testing
import JSON
import Standards
@testable import Catalogue

/// Values as people really type them, accepted by the one validator every path uses.
@Suite("Real-world input")
struct RealWorldInputTests {
    typealias F = CatalogueFixtures
    let validator = CatalogueFixtures.validator

    func one(_ resource: String, _ field: String, _ raw: String) -> (value: JSONValue?, issues: [ValidationIssue]) {
        let (values, issues) = validator.normalize(F.resource(resource), patch: JSONObject([(field, .string(raw))]))
        return (values[field], issues)
    }

    @Test("dates: 2000/1/1, 2000.1.1, 2000-1-1, 2000年1月1日 and full-width digits all store 20000101")
    func dates() {
        for text in ["2000/1/1", "2000/01/01", "2000.1.1", "2000-1-1", "2000年1月1日", "2000年01月01日", "2000年1月1", "２０００年１月１日", "２０００/１/１", "2000-01-01", "20000101"] {
            let (value, issues) = one("person", "birth_date", text)
            #expect(issues.isEmpty && value == "20000101", "\(text): \(issues)")
        }
        for text in ["2000/1-1", "2000年1/1", "2000/13/1", "2000/2/30", "00/1/1", "2000/1/1日", "2000/123/1"] {
            #expect(!one("person", "birth_date", text).issues.isEmpty, "\(text)")
        }
    }

    @Test("code-set labels: 男/女 as well as 男性/女性 and codes; 汉 for 汉族; 中共党员; unknown labels still refused")
    func labels() {
        #expect(one("person", "sex", "男").value == "1")
        #expect(one("person", "sex", "女").value == "2")
        #expect(one("person", "sex", "女性").value == "2")
        #expect(one("person", "sex", "2").value == "2")
        #expect(one("person", "sex", "２").value == "2")
        #expect(one("person", "ethnicity", "汉").value == "01")
        #expect(one("person", "ethnicity", "蒙古").value == "02")
        #expect(one("person", "ethnicity", "汉族").value == "01")
        #expect(one("person", "political_status", "中共党员").value == "01")
        #expect(one("person", "political_status", "群众").value == "13")
        #expect(one("person", "sex", "男的").issues.first?.rule == "codeset.unknown_code")
        // An alias that could mean two entries is no alias.
        let set = CodeSet(id: "X", designation: "X", title: "t", entries: [.init(code: "1", name: "甲族"), .init(code: "2", name: "甲性")])
        #expect(set.code(forLabel: "甲") == nil && set.code(forLabel: "甲族") == "1")
    }

    @Test("full-width digits and letters in IDs, phones and division codes; free text is left as typed")
    func fullWidth() {
        let id = F.maleID
        let wide = String(String.UnicodeScalarView(id.unicodeScalars.map { ("0"..."9").contains($0) ? Unicode.Scalar($0.value + 0xFEE0)! : $0 }))
        #expect(wide != id)
        #expect(one("person", "id_number", wide).value == .string(id))
        #expect(one("person", "phone", "１３９１２３４５６７８").value == "13912345678")
        #expect(one("person", "community_code", "１５０６０２００１００１").issues.isEmpty)
        #expect(one("person", "residence_address", "青春山路１８号").value == "青春山路１８号")
        #expect(one("person", "name", "张三").value == "张三")
    }

    @Test("an ID Excel turned into 1.50603E+17 is refused naming Excel's number formatting")
    func excelNumbers() {
        for text in ["1.50603E+17", "1.5060319800101e+17", "1.50603E17", "１.５０６０３Ｅ＋１７"] {
            let issue = one("person", "id_number", text).issues.first
            #expect(issue?.rule == "record.excel_number", "\(text)")
            #expect(issue?.messageZh.contains("Excel 的数字格式") == true && issue?.messageEn.contains("Excel's number formatting") == true)
        }
        #expect(one("person", "phone", "1.39123E+10").issues.first?.rule == "record.excel_number")
        #expect(ExcelNumberCheck.isScientific("1E5") && !ExcelNumberCheck.isScientific("E5") && !ExcelNumberCheck.isScientific("1.5")
                && !ExcelNumberCheck.isScientific("1e") && !ExcelNumberCheck.isScientific("1+E5") && !ExcelNumberCheck.isScientific("150603198001010018"))
    }

    @Test("canonical values come back as the same string, untouched")
    func canonicalFastPath() {
        let r = F.resource("person")
        for (field, text) in [("id_number", F.maleID), ("birth_date", "19900101"), ("birth_date", "1990-01-01"), ("sex", "1"), ("phone", "13912345678"), ("name", "张三")] {
            #expect(RealWorldInput.canonical(text, r.field(field)!) == text)
        }
        #expect(RealWorldInput.date("2000/1/1 08:30:00") == "2000-01-01 08:30:00")
    }
}
