import Testing
import TestSupport
@testable import Standards

@Suite struct CreditCodeTests {
    let table = Fixtures.table

    func check(_ value: String) -> CreditCodeCheck {
        CreditCode.check(value, divisions: table)
    }

    /// Real codes whose checks were recomputed by hand (Reference) before being used here.
    @Test func realCodesAreValid() {
        for code in ["91350100M000100Y43", "51100000500002862F", "12440300455752807L"] {
            #expect(Reference.usccCheck(String(code.prefix(17))) == code.last)
            let result = check(code)
            #expect(result.isValid, "\(code): \(result.issues)")
        }
        let fuzhou = check("91350100M000100Y43")
        #expect(fuzhou.authority?.code == "9")
        #expect(fuzhou.authority?.nameZh == "工商")
        #expect(fuzhou.entityType?.nameZh == "企业")
        #expect(fuzhou.divisionCode == "350100")
        #expect(fuzhou.divisionName == "福州市")
        #expect(fuzhou.organizationCode == "M000100Y4")
        #expect(check("51100000500002862F").divisionName == "中央（全国）")
    }

    /// python-stdnum rejects every code whose first 8 characters are not all digits.
    @Test(arguments: ["A1", "A9", "N1", "N2", "N3", "N9", "Y1"])
    func letterAuthoritiesAreValid(pair: String) {
        let code = Reference.uscc(pair, division: "150603", body: "MA0K2T6R")
        let result = check(code)
        #expect(result.isValid, "\(code): \(result.issues)")
        #expect(result.authority?.code == String(pair.first!))
        #expect(result.entityType?.code == String(pair.last!))
    }

    @Test func lowercaseIsAccepted() {
        let code = Reference.uscc("92", division: "150602", body: "MA0K2T6R")
        let result = check(code.lowercased())
        #expect(result.isValid, "\(result.issues)")
        #expect(result.normalized == code)
    }

    @Test func wrongLength() {
        #expect(check("91350100M000100Y4").issues.rules == ["uscc.length"])
        #expect(check("91350100M000100Y433").issues.rules == ["uscc.length"])
    }

    @Test(arguments: ["I", "O", "Z", "S", "V", "*"])
    func forbiddenCharacters(letter: String) {
        let code = "91350100M000100Y43"
        let mutated = String(code.prefix(10)) + letter + String(code.dropFirst(11))
        let result = check(mutated)
        #expect(result.issues.rules == ["uscc.charset"], "\(result.issues)")
        #expect(result.issues[0].messageZh.contains("第11位“\(letter)”"))
        #expect(result.normalized == nil)
    }

    @Test func unknownAuthority() {
        let result = check(Reference.uscc("B1", division: "150602", body: "12345678"))
        #expect(result.issues.rules == ["uscc.authority"])
        #expect(result.authority == nil)
    }

    @Test func entityTypeNotUsedByAuthority() {
        for pair in ["94", "99", "22", "Y9", "A2", "36"] {
            let result = check(Reference.uscc(pair, division: "150602", body: "12345678"))
            #expect(result.issues.rules == ["uscc.entity_type"], "\(pair)")
        }
    }

    @Test func unknownDivision() {
        let result = check(Reference.uscc("91", division: "159999", body: "12345678"))
        #expect(result.issues.rules == ["uscc.division"])
        #expect(check(Reference.uscc("91", division: "15A600", body: "12345678")).issues.rules == ["uscc.division"])
    }

    @Test func historicalDivisionIsValid() {
        #expect(check(Reference.uscc("91", division: "152701", body: "12345678")).isValid)
    }

    @Test func wrongOrganizationCheck() {
        let body = "12345678"
        let wrong = Reference.orgCheck(body) == "1" ? "2" : "1"
        let first17 = "91150602" + body + wrong
        let code = first17 + String(Reference.usccCheck(first17))
        let result = check(code)
        #expect(result.issues.rules == ["uscc.org_check"])
        #expect(result.issues[0].messageZh.contains("应为 \(Reference.orgCheck(body))，实为 \(wrong)"))
    }

    @Test func organizationCheckMapsTenAndEleven() {
        // Find bodies whose check is X (C = 10) and 0 (C = 11) and compare with the reference.
        var seen: Set<Character> = []
        var rng = SplitMix64(seed: TestSeed.standards ^ 0x0C)
        for _ in 0..<500 {
            let body = String((0..<8).map { _ in Array("0123456789ABCDEFGH").randomElement(using: &rng)! })
            let check = CreditCode.organizationCheckCharacter(for: body)
            #expect(check == Reference.orgCheck(body), "\(body) — \(TestSeed.reproduce)")
            if let check { seen.insert(check) }
        }
        #expect(seen.contains("X") && seen.contains("0"))
    }

    @Test func wrongCheckCharacter() {
        let result = check("91350100M000100Y44")
        #expect(result.issues.rules == ["uscc.check_char"])
        #expect(result.issues[0].messageZh == "统一社会信用代码校验位错误：应为 3，实为 4")
    }

    @Test func everyProblemIsReported() {
        let result = check("B5999999123456781A")
        #expect(Set(result.issues.rules) == ["uscc.authority", "uscc.division", "uscc.org_check", "uscc.check_char"])
    }

    @Test func generatedCodesPass() {
        var rng = SplitMix64(seed: TestSeed.standards ^ 0xC0DE)
        for _ in 0..<TestSeed.iterations {
            let code = Generate.uscc(&rng)
            let result = check(code)
            if !result.isValid {
                Issue.record("\(code) rejected: \(result.issues.rules) — \(TestSeed.reproduce)")
                return
            }
        }
    }

    @Test func anySingleCharacterChangeIsCaught() {
        var rng = SplitMix64(seed: TestSeed.standards ^ 0xFACE)
        for _ in 0..<TestSeed.iterations {
            var chars = Array(Generate.uscc(&rng))
            let position = Int.random(in: 0..<18, using: &rng)
            chars[position] = Reference.usccAlphabet.filter { $0 != chars[position] }.randomElement(using: &rng)!
            let mutated = String(chars)
            if check(mutated).isValid {
                Issue.record("\(mutated) accepted after changing position \(position + 1) — \(TestSeed.reproduce)")
                return
            }
        }
    }

    @Test func exhaustiveSingleChangesOfOneCode() {
        let code = Array("91350100M000100Y43")
        for position in 0..<18 {
            for replacement in Reference.usccAlphabet where replacement != code[position] {
                var chars = code
                chars[position] = replacement
                #expect(!check(String(chars)).isValid, "\(String(chars))")
            }
        }
    }

    @Test func checkCharacterHelpersAgreeWithReference() {
        #expect(CreditCode.checkCharacter(for: "91350100M000100Y4") == "3")
        #expect(CreditCode.checkCharacter(for: "91350100M000100I4") == nil)
        #expect(CreditCode.value(of: "Y") == 30)
        #expect(CreditCode.value(of: "I") == nil)
    }
}
