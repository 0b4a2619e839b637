import Foundation
import JSON
import Standards
import Testing
import TestSupport
@testable import Agent

@Suite("rootsync check")
struct CheckCommandTests {
    @Test func validIDExitsZeroWithParsedFields() throws {
        let r = runCLI(["check", "id", "11010519491231002X", "--json"])
        #expect(r.code == .success)
        let o = try #require(try r.jsonLines().first)
        #expect(o["valid"] == true)
        #expect(o["birth_date"] == "1949-12-31")
        #expect(o["sex"] == "2")
        #expect(o["address_code"] == "110105")
        #expect(o["errors"] == .array([]))
    }

    @Test func invalidIDExitsOneAndNamesTheRule() throws {
        let r = runCLI(["check", "id", "110105194912310021", "--json"])
        #expect(r.code == .failure)
        let o = try #require(try r.jsonLines().first)
        #expect(o["valid"] == false)
        let rules = o["errors"]?.arrayValue?.compactMap { $0["rule"]?.stringValue }
        #expect(rules == ["id.check_char"])
        #expect(o["errors"]?.arrayValue?.first?["message_zh"]?.stringValue?.contains("校验位") == true)
    }

    @Test func readableOutputForPeople() {
        let r = runCLI(["check", "id", "11010519491231002X"])
        #expect(r.code == .success)
        #expect(r.out.contains("有效 valid"))
        #expect(r.out.contains("1949-12-31"))
    }

    @Test func historicalCountyAndNewCountyBothValid() throws {
        // A person born in 1990 whose number carries 150603 (康巴什区, created 2016): valid.
        let body = "15060319900101001"
        let id = CitizenID.complete(body)!
        #expect(runCLI(["check", "id", id]).code == .success)
        #expect(runCLI(["check", "division", "152701"]).code == .success)
    }

    @Test func usccStartingWithYIsValidWhenChecksPass() throws {
        // Y (其他) + 1 + 150603 + org code body + checks, computed here.
        let code = try #require(USCCBuilder.make(prefix: "Y1150603", orgBody: "MA0C1234"))
        let r = runCLI(["check", "uscc", code, "--json"])
        #expect(r.code == .success, "\(code): \(r.out)")
    }

    @Test func divisionLevelsAndParents() throws {
        let r = runCLI(["check", "division", "150603002001", "--json"])
        let o = try #require(try r.jsonLines().first)
        #expect(o["level"] == "community")
        #expect(o["parent_code"] == "150603002")
        let bad = runCLI(["check", "division", "159999", "--json"])
        #expect(bad.code == .failure)
    }

    @Test func batchModeKeepsOneObjectPerInputLine() throws {
        let r = runCLI(["check", "id"], stdin: "\u{FEFF}11010519491231002X\r\n440524188001010014\n\nnot-an-id\n")
        #expect(r.code == .failure)
        let objects = try r.jsonLines()
        #expect(objects.map { $0["valid"] } == [true, true, false, false])
        #expect(objects.map { $0["line"] } == [.number("1"), .number("2"), .number("3"), .number("4")])
        #expect(objects[0]["input"] == "11010519491231002X")
        #expect(objects[2]["input"] == "")
    }

    @Test func skipHeaderAndColumnsLineUpWithTheSheet() throws {
        let sheet = "姓名,身份证号,电话\n张三,11010519491231002X,1\n\n李四,\"440524188001010014\",2\n王五\n"
        let byName = try runCLI(["check", "id", "--column", "身份证号"], stdin: sheet).jsonLines()
        #expect(byName.map { $0["line"] } == [.number("2"), .number("3"), .number("4"), .number("5")])
        #expect(byName.map { $0["valid"] } == [true, false, true, false])
        #expect(byName[3]["input"] == "")
        let byNumber = try runCLI(["check", "id", "--column", "2", "--skip-header"], stdin: sheet).jsonLines()
        #expect(byNumber.map { $0["input"] } == byName.map { $0["input"] })
        let whole = try runCLI(["check", "id", "--skip-header"], stdin: "身份证号\n11010519491231002X\n").jsonLines()
        #expect(whole.map { $0["valid"] } == [true])
        let missing = runCLI(["check", "id", "--column", "证件号"], stdin: sheet)
        #expect(missing.code == .failure)
        #expect(missing.err.contains("证件号"))
        #expect(runCLI(["check", "id", "--column", "0"], stdin: sheet).code == .usage)
        #expect(runCLI(["check", "id", "11010519491231002X", "--skip-header"]).code == .usage)
    }

    @Test func gb18030InputIsDecoded() throws {
        // "张三,11010519491231002X" in GB18030: 张 = D5 C5, 三 = C8 FD.
        let bytes: [UInt8] = [0xD5, 0xC5, 0xC8, 0xFD, 0x2C] + Array("11010519491231002X\n".utf8)
        let run = { (arguments: [String]) -> CLIResult in
            let out = OutputSink(), err = OutputSink()
            let code = RootsyncCLI.main(arguments) { json in
                CommandContext(out: out, err: err, input: LineReader(bytes: bytes), json: json)
            }
            return CLIResult(code: code, out: out.capturedText, err: err.capturedText)
        }
        for encoding in ["auto", "gb18030"] {
            let whole = try run(["check", "division", "--encoding", encoding]).jsonLines()
            #expect(whole.first?["input"] == "张三,11010519491231002X")
            let column = try run(["check", "id", "--column", "2", "--encoding", encoding]).jsonLines()
            #expect(column.first?["valid"] == true)
        }
        let wrong = run(["check", "id", "--encoding", "utf8"])
        #expect(wrong.code == .failure)
        #expect(wrong.err.contains("UTF-8"))
        #expect(runCLI(["check", "id", "--encoding", "latin1"]).code == .usage)
    }

    @Test func helpListsTheRules() {
        for command in ["id", "uscc", "division"] {
            let page = runCLI(["help", "check", command]).out
            #expect(page.contains("规则 Rules"))
            #expect(page.contains("--skip-header"))
        }
        #expect(runCLI(["help", "check", "id"]).out.contains("1850"))
    }

    @Test func historicalGroupingAndPermitCodes() throws {
        let grouping = "44030119800101001"
        #expect(runCLI(["check", "id", CitizenID.complete(grouping)!]).code == .success)
        let permit = "83000019900101001"
        #expect(runCLI(["check", "id", CitizenID.complete(permit)!]).code == .success)
        let grouped = "42900019900101001"
        #expect(runCLI(["check", "id", CitizenID.complete(grouped)!]).code == .failure)
        #expect(runCLI(["check", "uscc", "A1232763R54801D21B"]).code == .success)
        #expect(runCLI(["check", "division", "150602999"]).code == .failure)
        #expect(runCLI(["check", "division", "150603700001"]).code == .failure)
    }

    @Test func unknownOptionIsAUsageError() {
        let r = runCLI(["check", "id", "--frobnicate"])
        #expect(r.code == .usage)
        #expect(r.err.contains("--frobnicate"))
        #expect(r.err.contains("rootsync help check id"))
    }

    @Test func unknownCommandAndMissingSubcommandAreUsageErrors() {
        #expect(runCLI(["frobnicate"]).code == .usage)
        #expect(runCLI(["check"]).code == .usage)
        #expect(runCLI(["check", "id", "a", "b"]).code == .usage)
        #expect(runCLI(["check", "id", "--json=yes"]).code == .usage)
    }

    @Test func helpIsGeneratedForEveryCommand() {
        let top = runCLI(["help"])
        #expect(top.code == .success)
        for command in RootsyncCLI.commands {
            let name = command.path.joined(separator: " ")
            #expect(top.out.contains(name))
            let page = runCLI(["help"] + command.path)
            #expect(page.code == .success)
            #expect(page.out.contains("用法 Usage: rootsync \(name)"))
            #expect(runCLI(command.path + ["--help"]).out == page.out)
        }
    }

    @Test func jsonErrorsAreJSON() throws {
        let r = runCLI(["check", "id", "--nope", "--json"])
        #expect(r.code == .usage)
        let o = try JSONParser.parse(r.err.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(o["error"] == "usage")
    }

    @Test func executableChecksAHundredThousandValuesFromStdin() throws {
        // Seeded mix of valid and corrupted numbers through the real binary.
        var rng = SplitMix64(seed: 7)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = ""
        var expectedValid = 0
        let count = 100_000
        for i in 0..<count {
            let body = "150603" + String(format: "%04d%02d%02d", 1950 + Int(rng.next() % 60), 1 + Int(rng.next() % 12), 1 + Int(rng.next() % 28)) + String(format: "%03d", i % 1000)
            let check = CitizenID.checkCharacter(for: body)!
            if rng.next() % 4 == 0 {
                let wrong = check == "1" ? "2" : "1"
                text += body + wrong + "\n"
            } else {
                text += body + String(check) + "\n"
                expectedValid += 1
            }
        }
        let input = dir.appendingPathComponent("ids.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let bom = dir.appendingPathComponent("ids-bom.txt")
        try ("\u{FEFF}" + text).write(to: bom, atomically: true, encoding: .utf8)
        let r = try runProcess(["check", "id"], stdinFile: bom, timeout: 120)
        #expect(r.code == 1)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == count)
        #expect(lines.filter { $0.contains("\"valid\":true") }.count == expectedValid)
        #expect(lines.first?.hasPrefix("{\"line\":1,\"input\":\"150603") == true)
    }
}

/// GB 32100 codes built from the standard's rules, independently of the Standards module.
enum USCCBuilder {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static func make(prefix: String, orgBody: String) -> String? {
        let orgWeights = [3, 7, 9, 10, 5, 8, 4, 2]
        let orgSum = zip(orgBody, orgWeights).reduce(0) { acc, p in
            let v = p.0.isNumber ? Int(String(p.0))! : Int(p.0.asciiValue!) - 55
            return acc + v * p.1
        }
        let c = 11 - orgSum % 11
        let orgCheck = c == 10 ? "X" : c == 11 ? "0" : String(c)
        let first17 = prefix + orgBody + orgCheck
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        var sum = 0
        for (ch, w) in zip(first17, weights) {
            guard let v = alphabet.firstIndex(of: ch) else { return nil }
            sum += v * w
        }
        return first17 + String(alphabet[(31 - sum % 31) % 31])
    }
}


@Suite("rootsync audit")
struct AuditCommandTests {
    @Test func rejectsABadLimitAndListsEntries() throws {
        #expect(runCLI(["audit", "--limit", "0"]).code == .usage)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-audit-\(UUID().uuidString)").path
        let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Topology/demo.json").path
        #expect(runCLI(["init", "--dir", dir, "--topology", topology, "--node", "150603002"]).code == .success)
        let empty = runCLI(["audit", "--dir", dir])
        #expect(empty.code == .success)
        #expect(empty.out.contains("审计日志为空"))
        #expect(runCLI(["enroll", "create", "--child", "150603002001", "--dir", dir, "--json"]).code == .success)
        let listed = try runCLI(["audit", "--dir", dir, "--json"]).jsonLines()
        #expect(listed.contains { $0["action"]?.stringValue?.hasPrefix("enroll") == true })
    }
}
