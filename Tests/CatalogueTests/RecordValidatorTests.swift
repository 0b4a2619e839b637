import Foundation
import Testing
import JSON
import Standards
@testable import Catalogue

@Suite("RecordValidator")
struct RecordValidatorTests {
    typealias F = CatalogueFixtures
    let validator = CatalogueFixtures.validator

    func normalize(_ resource: String, _ patch: KeyValuePairs<String, JSONValue>)
        -> (values: [String: JSONValue], issues: [ValidationIssue]) {
        validator.normalize(F.resource(resource), patch: JSONObject(patch))
    }

    /// Normalizes one field and returns its value and issues.
    func one(_ resource: String, _ field: String, _ raw: JSONValue) -> (value: JSONValue?, issues: [ValidationIssue]) {
        let (values, issues) = validator.normalize(F.resource(resource), patch: JSONObject([(field, raw)]))
        return (values[field], issues)
    }

    // MARK: Normalizing a valid record

    @Test("a valid person normalizes: trims, dates, code names, tags")
    func validPerson() {
        let (values, issues) = normalize("person", [
            "id_number": .string(F.maleID),
            "name": "  张三 ",
            "sex": "男性",
            "ethnicity": "汉族",
            "birth_date": "1990-01-01",
            "household_address": "内蒙古自治区鄂尔多斯市东胜区交通街道1号",
            "relation_to_head": "户主",
            "residence_address": " 东胜区交通街道第一社区2号楼 ",
            "community_code": .string(F.community),
            "phone": "0477-8581234",
            "marital_status": "已婚",
            "political_status": "群众",
            "tags": ["独居老人", "低保", "低保"],
        ])
        #expect(issues.isEmpty, "\(issues)")
        #expect(values["id_number"] == .string(F.maleID))
        #expect(values["name"] == "张三")
        #expect(values["sex"] == "1")
        #expect(values["ethnicity"] == "01")
        #expect(values["birth_date"] == "19900101")
        #expect(values["relation_to_head"] == "02")
        #expect(values["residence_address"] == "东胜区交通街道第一社区2号楼")
        #expect(values["community_code"] == .string(F.community))
        #expect(values["phone"] == "0477-8581234")
        #expect(values["marital_status"] == "20")
        #expect(values["political_status"] == "13")
        #expect(values["tags"] == ["低保", "独居老人"])
        #expect(values.count == 13)
        #expect(validator.checkComplete(F.resource("person"), record: values).isEmpty)
    }

    @Test("codes stay codes, names become codes (GB/T 2261.1: 男性 1, 女性 2, 未说明的性别 9)")
    func codeNames() {
        #expect(one("person", "sex", "男性").value == "1")
        #expect(one("person", "sex", "女性").value == "2")
        #expect(one("person", "sex", "未说明的性别").value == "9")
        #expect(one("person", "sex", "2").value == "2")
        #expect(one("person", "sex", " 1 ").value == "1")
        #expect(one("house", "use_type", "自住").value == "10")
        #expect(one("house", "use_type", "出租").value == "20")
        #expect(one("enterprise", "status", "存续").value == "1")
        #expect(one("event", "status", "已办结").value == "3")
    }

    @Test("a value that is neither a code nor a name is refused with the code set named")
    func unknownCode() {
        let sex = one("person", "sex", "男的")
        #expect(sex.value == nil)
        #expect(sex.issues.has(field: "sex", rule: "codeset.unknown_code"), "\(sex.issues)")
        #expect(sex.issues.first?.messageEn.contains("GB/T 2261.1") == true)
        let ethnic = one("person", "ethnicity", "1")
        #expect(ethnic.issues.has(field: "ethnicity", rule: "codeset.unknown_code"))
        #expect(ethnic.issues.first?.messageEn.contains("01") == true, "the hint should suggest 01")
        let use = one("house", "use_type", "自用")
        #expect(use.issues.has(field: "use_type", rule: "codeset.unknown_code"))
    }

    @Test("dates: YYYY-MM-DD becomes YYYYMMDD; impossible dates are refused")
    func dates() {
        #expect(one("person", "birth_date", "1990-01-01").value == "19900101")
        #expect(one("person", "birth_date", "19900101").value == "19900101")
        #expect(one("person", "birth_date", " 2000-02-29 ").value == "20000229")
        // People's spellings are accepted too (RealWorldInputTests has them all).
        #expect(one("person", "birth_date", "1990/01/01").value == "19900101")
        #expect(one("person", "birth_date", "1990-1-1").value == "19900101")
        for bad in ["1990-02-30", "1900-02-29", "1990/02/30", "199001", "1990-1-32"] {
            let r = one("person", "birth_date", .string(bad))
            #expect(r.value == nil, "\(bad)")
            #expect(r.issues.has(field: "birth_date", rule: "format.date"), "\(bad): \(r.issues)")
        }
        #expect(one("event", "occurred_at", "2026-01-02 10:20:30").value == "20260102102030")
        #expect(one("event", "occurred_at", "20260102102030").value == "20260102102030")
        #expect(one("event", "occurred_at", "2026-01-02 24:00:00").issues.has(field: "occurred_at", rule: "format.date"))
    }

    @Test("empty text and null become null")
    func emptyIsNull() {
        let (values, issues) = normalize("person", ["name": "   ", "phone": "", "sex": nil, "tags": nil])
        #expect(issues.isEmpty)
        #expect(values["name"] == .null)
        #expect(values["phone"] == .null)
        #expect(values["sex"] == .null)
        #expect(values["tags"] == [])
    }

    // MARK: Refusals

    @Test("an unknown field is refused and named; the other fields still normalize")
    func unknownField() {
        let (values, issues) = normalize("person", ["nickname": "小张", "name": "张三"])
        #expect(issues.count == 1)
        #expect(issues.has(field: "nickname", rule: "record.unknown_field"))
        #expect(issues.first?.messageEn.contains("nickname") == true)
        #expect(values == ["name": "张三"])
        #expect(normalize("house", ["id_number": .string(F.maleID)]).issues.has(field: "id_number", rule: "record.unknown_field"))
    }

    @Test("a wrong JSON type is refused and named")
    func wrongType() {
        let (values, issues) = normalize("person", [
            "name": ["张三"], "sex": true, "community_code": ["code": "150602001001"], "phone": "0477-8581234",
        ])
        #expect(issues.count == 3, "\(issues)")
        #expect(issues.has(field: "name", rule: "record.type"))
        #expect(issues.has(field: "sex", rule: "record.type"))
        #expect(issues.has(field: "community_code", rule: "record.type"))
        #expect(issues.first { $0.field == "name" }?.messageEn.contains("array") == true)
        #expect(issues.first { $0.field == "sex" }?.messageEn.contains("boolean") == true)
        #expect(values.keys.sorted() == ["phone"])
        #expect(one("person", "tags", 5).issues.has(field: "tags", rule: "record.type"))
        #expect(one("person", "tags", ["低保", 1]).issues.has(field: "tags", rule: "record.type"))
    }

    @Test("a JSON number is taken as its text (phone numbers typed as numbers)")
    func numberAsText() {
        #expect(one("person", "phone", .number("13800138000")).value == "13800138000")
        #expect(one("house", "house_code", 1001).value == "1001")
    }

    @Test("a 15-digit ID number is upgraded to 18 digits; a lowercase x is uppercased")
    func legacyID() throws {
        #expect(one("person", "id_number", .string(F.maleLegacyID)).value == .string(F.maleID))
        #expect(F.maleID == "15060219900101123" + String(CitizenID.checkCharacter(for: "15060219900101123")!))
        let first17 = try #require((0...999).lazy
            .map { "15060219900101" + String(format: "%03d", $0) }
            .first { CitizenID.checkCharacter(for: $0) == "X" })
        let r = one("person", "id_number", .string(first17 + "x"))
        #expect(r.issues.isEmpty, "\(r.issues)")
        #expect(r.value == .string(first17 + "X"))
    }

    @Test("an invalid ID number is refused, naming field and rule")
    func invalidID() {
        let wrongCheck = String(F.maleID.dropLast()) + (F.maleID.last == "0" ? "1" : "0")
        let r = one("person", "id_number", .string(wrongCheck))
        #expect(r.value == nil)
        #expect(r.issues.has(field: "id_number", rule: "id.check_char"), "\(r.issues)")
        #expect(one("person", "id_number", "15060219900101").issues.has(field: "id_number", rule: "id.length"))
        #expect(one("person", "id_number", .string(F.id("99999919900101123"))).issues.has(field: "id_number", rule: "id.address_code"))
        #expect(one("person", "id_number", .string(F.id("15060220300101123"))).issues.has(field: "id_number", rule: "id.birth_future"))
        let owner = one("house", "owner_id_number", .string(wrongCheck))
        #expect(owner.issues.has(field: "owner_id_number", rule: "id.check_char"), "\(owner.issues)")
    }

    @Test("a valid USCC passes (uppercased); an invalid one is refused, naming field and rule")
    func uscc() {
        #expect(one("enterprise", "uscc", .string(F.uscc)).value == .string(F.uscc))
        #expect(one("enterprise", "uscc", .string(F.uscc.lowercased())).value == .string(F.uscc))
        let bad = String(F.uscc.dropLast()) + (F.uscc.last == "0" ? "1" : "0")
        let r = one("enterprise", "uscc", .string(bad))
        #expect(r.value == nil)
        #expect(r.issues.has(field: "uscc", rule: "uscc.check_char"), "\(r.issues)")
        #expect(one("enterprise", "uscc", "91150602MA0N123").issues.has(field: "uscc", rule: "uscc.length"))
    }

    @Test("an invalid division code is refused, naming field and rule")
    func invalidDivision() {
        let unknown = one("person", "community_code", "159999001001")
        #expect(unknown.value == nil)
        #expect(unknown.issues.has(field: "community_code", rule: "division.unknown"), "\(unknown.issues)")
        #expect(one("person", "community_code", "15060200100").issues.has(field: "community_code", rule: "division.format"))
        #expect(one("person", "community_code", "社区").issues.has(field: "community_code", rule: "division.format"))
        #expect(one("house", "community_code", "150602001000").issues.has(field: "community_code", rule: "division.level"))
    }

    @Test("a scope field holding a city- or province-level code is refused (record.scope_level)")
    func scopeLevel() {
        for code in ["150600", "150000"] {
            for resource in ["person", "house", "enterprise", "place", "event"] {
                let r = one(resource, "community_code", .string(code))
                #expect(r.value == nil)
                #expect(r.issues.has(field: "community_code", rule: "record.scope_level"), "\(resource) \(code): \(r.issues)")
            }
        }
        // A district or street code is a real division but not the 12 digits the field holds.
        #expect(one("person", "community_code", "150602").value == nil)
        #expect(one("person", "community_code", "150602001").value == nil)
    }

    @Test("an invalid phone number is refused, naming field and rule")
    func invalidPhone() {
        for bad in ["电话0477858", "12345", "1234567890123456", "0477_8581234"] {
            let r = one("person", "phone", .string(bad))
            #expect(r.value == nil, "\(bad)")
            #expect(r.issues.has(field: "phone", rule: "record.phone"), "\(bad): \(r.issues)")
        }
        #expect(one("enterprise", "phone", "+86 138-0013-8000").value == "+86 138-0013-8000")
        #expect(one("place", "phone", "x").issues.has(field: "phone", rule: "record.phone"))
    }

    @Test("text longer than its format is refused")
    func tooLong() {
        let r = one("person", "name", .string(String(repeating: "张", count: 51)))
        #expect(r.issues.has(field: "name", rule: "format.length"))
        #expect(one("person", "name", .string(String(repeating: "张", count: 50))).issues.isEmpty)
    }

    // MARK: Numbers

    @Test("house area: \"85.50\" is stored as the number 85.5; 3 fraction digits are refused")
    func houseArea() {
        #expect(one("house", "area_m2", "85.50").value == .number("85.5"))
        #expect(one("house", "area_m2", .number("85.50")).value == .number("85.5"))
        #expect(one("house", "area_m2", "085.00").value == .number("85"))
        #expect(one("house", "area_m2", "0.50").value == .number("0.5"))
        let r = one("house", "area_m2", "12.345")
        #expect(r.value == nil)
        #expect(r.issues.has(field: "area_m2", rule: "format.decimal"), "\(r.issues)")
        #expect(one("house", "area_m2", "十二").issues.has(field: "area_m2", rule: "format.type"))
        #expect(one("house", "area_m2", "123456789.00").issues.has(field: "area_m2", rule: "format.length"))
    }

    @Test("integer fields: canonical numbers, no decimals")
    func integers() {
        #expect(one("house", "residents", "007").value == .number("7"))
        #expect(one("house", "residents", 3).value == .number("3"))
        #expect(one("house", "residents", "0").value == .number("0"))
        #expect(one("house", "residents", "3.5").issues.has(field: "residents", rule: "format.type"))
        #expect(one("house", "residents", "12345").issues.has(field: "residents", rule: "format.length"))
    }

    @Test("canonicalNumber removes signs and redundant zeros")
    func canonicalNumber() {
        #expect(RecordValidator.canonicalNumber("+007") == "7")
        #expect(RecordValidator.canonicalNumber("-0.0") == "0")
        #expect(RecordValidator.canonicalNumber("-12.50") == "-12.5")
        #expect(RecordValidator.canonicalNumber("100") == "100")
        #expect(RecordValidator.canonicalNumber("10.0") == "10")
    }

    // MARK: Tags

    @Test("tags from an array and from a separated string: trimmed, deduplicated, sorted")
    func tags() {
        #expect(one("person", "tags", "低保；独居老人").value == ["低保", "独居老人"])
        #expect(one("person", "tags", "独居老人；低保；低保").value == ["低保", "独居老人"])
        #expect(one("person", "tags", "独居老人, 低保，残疾人、退役军人|低保").value == ["低保", "残疾人", "独居老人", "退役军人"])
        #expect(one("person", "tags", [" 独居老人 ", "低保", "", "低保"]).value == ["低保", "独居老人"])
        #expect(one("person", "tags", "").value == [])
        #expect(one("house", "tags", ["出租屋"]).value == ["出租屋"])
        let long = one("person", "tags", .array([.string(String(repeating: "标", count: 21))]))
        #expect(long.issues.has(field: "tags", rule: "format.length"))
    }

    // MARK: Complete records

    @Test("required fields missing or null are named")
    func requiredMissing() {
        let person = F.resource("person")
        let issues = validator.checkComplete(person, record: ["name": "张三", "community_code": .null])
        #expect(Set(issues.map(\.field)) == ["id_number", "community_code"])
        #expect(issues.allSatisfy { $0.rule == "record.required" })
        let house = validator.checkComplete(F.resource("house"), record: [:])
        #expect(Set(house.filter { $0.rule == "record.required" }.map(\.field)) == ["house_code", "address", "community_code"])
    }

    @Test("sex and birth date must agree with the ID number")
    func idAgrees() {
        let person = F.resource("person")
        var record: [String: JSONValue] = [
            "id_number": .string(F.maleID), "name": "张三", "community_code": .string(F.community),
            "sex": "1", "birth_date": "19900101",
        ]
        #expect(validator.checkComplete(person, record: record).isEmpty)

        record["sex"] = "2"
        record["birth_date"] = "19900102"
        let issues = validator.checkComplete(person, record: record)
        #expect(issues.count == 2, "\(issues)")
        #expect(issues.has(field: "sex", rule: "record.id_sex"))
        #expect(issues.has(field: "birth_date", rule: "record.id_birth_date"))
        #expect(issues.first { $0.field == "birth_date" }?.messageEn.contains("1990-01-01") == true)

        // 9 (未说明) and 0 (未知) do not contradict; absent values do not either.
        record["sex"] = "9"
        record["birth_date"] = nil
        #expect(validator.checkComplete(person, record: record).isEmpty)

        // A female ID with male sex.
        let female: [String: JSONValue] = [
            "id_number": .string(F.femaleID), "name": "李四", "community_code": .string(F.community),
            "sex": "1", "birth_date": "19851231",
        ]
        #expect(validator.checkComplete(person, record: female).rules == ["record.id_sex"])
    }

    @Test("normalize then checkComplete: a patch with a legacy ID and names passes end to end")
    func endToEnd() {
        let person = F.resource("person")
        let (values, issues) = validator.normalize(person, patch: JSONObject([
            ("id_number", .string(F.maleLegacyID)), ("name", "张三"), ("sex", "男性"),
            ("birth_date", "1990-01-01"), ("community_code", .string(F.community)),
        ]))
        #expect(issues.isEmpty)
        #expect(validator.checkComplete(person, record: values).isEmpty)

        let (wrong, _) = validator.normalize(person, patch: JSONObject([
            ("id_number", .string(F.maleLegacyID)), ("name", "张三"), ("sex", "女性"),
            ("birth_date", "1991-01-01"), ("community_code", .string(F.community)),
        ]))
        #expect(Set(validator.checkComplete(person, record: wrong).rules) == ["record.id_sex", "record.id_birth_date"])
    }

    @Test("a valid enterprise record")
    func validEnterprise() {
        let (values, issues) = normalize("enterprise", [
            "uscc": .string(F.uscc), "name": "鄂尔多斯市某某有限公司", "community_code": .string(F.community),
            "employees": "0012", "status": "存续", "phone": "13800138000", "tags": "规上企业",
        ])
        #expect(issues.isEmpty, "\(issues)")
        #expect(values["employees"] == .number("12"))
        #expect(values["status"] == "1")
        #expect(values["tags"] == ["规上企业"])
        #expect(validator.checkComplete(F.resource("enterprise"), record: values).isEmpty)
    }

    @Test("every problem of a patch is reported together")
    func severalIssues() {
        let (values, issues) = normalize("person", [
            "id_number": "123", "sex": "男的", "birth_date": "1990-13-01", "community_code": "150600",
            "phone": "abc", "nickname": "x",
        ])
        #expect(values.isEmpty)
        #expect(Set(issues.map(\.field)) == ["id_number", "sex", "birth_date", "community_code", "phone", "nickname"])
    }
}
