import Foundation
import Testing
import TestSupport
@testable import Standards

@Suite struct CitizenIDTests {
    let table = Fixtures.table
    let today = Fixtures.today

    func check(_ value: String) -> CitizenIDCheck {
        CitizenID.check(value, divisions: table, today: today)
    }

    @Test func examplesFromTheStandardAreValid() {
        let first = check("11010519491231002X")
        #expect(first.isValid, "\(first.issues)")
        #expect(first.normalized == "11010519491231002X")
        #expect(first.addressCode == "110105")
        #expect(first.addressName == "朝阳区")
        #expect(first.birthDate == "1949-12-31")
        #expect(first.sex == "2")
        #expect(!first.upgradedFromLegacy)

        let second = check("440524188001010014")
        #expect(second.isValid, "\(second.issues)")
        #expect(second.birthDate == "1880-01-01")
        #expect(second.sex == "1")
    }

    /// The byte-level path for canonical numbers must say exactly what the full check says,
    /// and step aside for everything else (seeded; the seed is printed on failure).
    @Test func canonicalFastPathAgreesWithTheFullCheck() {
        let seed = TestSeed.value(default: UInt64(Date().timeIntervalSince1970))
        var rng = SplitMix64(seed: seed)
        func next(_ n: Int) -> Int { rng.int(0..<n) }
        let codes = ["110105", "150603", "440524", "999999", "150600", "320212"]
        var fast = 0
        for _ in 0..<3000 {
            let year = 1840 + next(200), month = 1 + next(13), day = 1 + next(31)
            var body = codes[next(codes.count)] + String(format: "%04d%02d%02d%03d", year, month, day, next(1000))
            if next(20) == 0 { body = String(body.prefix(16)) + "A" }
            let checkChar = CitizenID.checkCharacter(for: body) ?? "0"
            var id = body + (next(6) == 0 ? String(next(10)) : String(checkChar))
            switch next(12) {
            case 0: id = id.lowercased() + " "
            case 1: id = String(id.prefix(15))
            case 2: id = String(id.dropLast())
            default: break
            }
            let full = CitizenID.checkFull(id, field: "id_number", divisions: table, today: today)
            if let quick = CitizenID.checkCanonical(id, divisions: table, today: today) {
                fast += 1
                #expect(quick == full, "seed \(seed): \(id)")
                #expect(full.isValid, "seed \(seed): \(id)")
            } else {
                #expect(!full.isValid || full.normalized != id, "seed \(seed): \(id) is valid and canonical but took the full path")
            }
            #expect(check(id) == full, "seed \(seed): \(id)")
        }
        #expect(fast > 100, "seed \(seed): only \(fast) numbers took the fast path")
    }

    @Test func lowercaseXAndSpacesAreNormalized() {
        let result = check(" 11010519491231002x ")
        #expect(result.isValid)
        #expect(result.normalized == "11010519491231002X")
    }

    /// python-stdnum rejects this: 康巴什区 (150603) was created in 2016, but a person born in
    /// 1990 who registers there gets a 150603 number.
    @Test func countyNewerThanBirthYearIsValid() {
        let id = Reference.id(county: "150603", birth: "19900101", sequence: "123")
        let result = check(id)
        #expect(result.isValid, "\(result.issues)")
        #expect(result.addressName == "康巴什区")
        #expect(result.sex == "1")
    }

    @Test func historicalCountyIsValid() {
        let result = check(Reference.id(county: "152701", birth: "19750615", sequence: "044"))
        #expect(result.isValid, "\(result.issues)")
        #expect(result.addressName == "东胜市")
    }

    /// python-stdnum rejects 15-digit numbers; they are still found in old records.
    @Test func legacyFifteenDigitNumberIsUpgraded() {
        let result = check("150602900101123")
        let expected = Reference.id(county: "150602", birth: "19900101", sequence: "123")
        #expect(result.isValid, "\(result.issues)")
        #expect(result.upgradedFromLegacy)
        #expect(result.normalized == expected)
        #expect(result.birthDate == "1990-01-01")
        #expect(result.sex == "1")
        #expect(CitizenID.upgradeLegacy("150602900101123") == expected)
        #expect(CitizenID.upgradeLegacy("15060290010112X") == nil)
    }

    @Test func completeAppendsTheCheckCharacterOf17Digits() {
        #expect(CitizenID.complete("11010519491231002") == "11010519491231002X")
        #expect(CitizenID.complete("15060219900101123") == Reference.id(county: "150602", birth: "19900101", sequence: "123"))
        for bad in ["1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１００２"] {
            #expect(CitizenID.complete(bad) == nil, "\(bad)")
        }
    }

    @Test func legacyNumberWithLetterIsRejected() {
        #expect(check("15060290010112X").issues.rules == ["id.charset"])
    }

    @Test func wrongLength() {
        let result = check("1101051949123100")
        #expect(result.issues.rules == ["id.length"])
        #expect(result.issues[0].messageZh.contains("16位"))
    }

    @Test func wrongCharacters() {
        let result = check("1101051949A231002X")
        #expect(result.issues.rules.contains("id.charset"))
        #expect(result.issues.first { $0.rule == "id.charset" }!.messageZh.contains("第11位“A”"))
        #expect(result.normalized == nil)
        // X anywhere but last.
        #expect(check("X1010519491231002X").issues.rules.contains("id.charset"))
    }

    @Test func wrongCheckCharacter() {
        let result = check("110105194912310025")
        #expect(result.issues.rules == ["id.check_char"])
        #expect(result.issues[0].messageZh == "身份证号码校验位错误：应为 X，实为 5")
        #expect(result.issues[0].messageEn == "ID number check character is wrong: expected X, found 5")
        #expect(result.issues[0].field == "id_number")
        #expect(CitizenID.check("110105194912310025", field: "sfzh", divisions: table, today: today).issues[0].field == "sfzh")
    }

    @Test func impossibleBirthDates() {
        for birth in ["19900230", "19000229", "19901301", "19900100", "18491231"] {
            let result = check(Reference.id(county: "150602", birth: birth, sequence: "001"))
            #expect(result.issues.rules == ["id.birth_date"], "\(birth)")
            #expect(result.birthDate == nil)
        }
        #expect(check(Reference.id(county: "150602", birth: "20000229", sequence: "001")).isValid)
        #expect(check(Reference.id(county: "150602", birth: "18500101", sequence: "001")).isValid)
    }

    @Test func birthInTheFuture() {
        #expect(check(Reference.id(county: "150602", birth: "20250602", sequence: "001")).issues.rules == ["id.birth_future"])
        #expect(check(Reference.id(county: "150602", birth: "20250601", sequence: "001")).isValid)
        // Default `today` is the real date: a 2090 birth is always in the future.
        let future = CitizenID.check(Reference.id(county: "150602", birth: "20900101", sequence: "001"), divisions: table)
        #expect(future.issues.rules == ["id.birth_future"])
    }

    @Test func unknownAddressCode() {
        let result = check(Reference.id(county: "159999", birth: "19900101", sequence: "001"))
        #expect(result.issues.rules == ["id.address_code"])
        #expect(result.birthDate == "1990-01-01")
    }

    @Test func everyProblemIsReported() {
        let result = check("999999199002300011")
        #expect(Set(result.issues.rules) == ["id.address_code", "id.birth_date", "id.check_char"])
    }

    @Test func generatedNumbersPass() {
        var rng = SplitMix64(seed: TestSeed.standards)
        for _ in 0..<TestSeed.iterations {
            let id = Generate.id(&rng)
            let result = check(id)
            if !result.isValid {
                Issue.record("\(id) rejected: \(result.issues.rules) — \(TestSeed.reproduce)")
                return
            }
        }
    }

    @Test func anySingleCharacterChangeIsCaught() {
        var rng = SplitMix64(seed: TestSeed.standards ^ 0x1D)
        let allowed = Array("0123456789")
        for _ in 0..<TestSeed.iterations {
            var chars = Array(Generate.id(&rng))
            let position = Int.random(in: 0..<18, using: &rng)
            let choices = (position == 17 ? allowed + ["X"] : allowed).filter { $0 != chars[position] }
            chars[position] = choices.randomElement(using: &rng)!
            let mutated = String(chars)
            if check(mutated).isValid {
                Issue.record("\(mutated) accepted after changing position \(position + 1) — \(TestSeed.reproduce)")
                return
            }
        }
    }
}
