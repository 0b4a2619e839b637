import Foundation
import JSON
import Replica
import Standards
import Testing
import TestSupport
@testable import Agent

/// `rootsync import` and `rootsync export`: CSV as Excel writes it (labels, BOM, CRLF, GB18030),
/// JSON Lines, all-or-nothing, reject files, and a streaming run through the real binary.
@Suite("rootsync import/export")
struct ImportExportTests {
    static let community = "150603002001"

    static var demoTopology: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Topology/demo.json").path
    }

    static func tempDir() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-io-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// A valid GB 11643 number: county 150603, born `birth`, sequence `seq` (000–999).
    static func id(_ seq: Int, birth: String = "19900101") -> String {
        let body = "150603" + birth + String(format: "%03d", seq % 1000)
        return CitizenID.complete(body)!
    }

    static func initNode() throws -> String {
        let dir = tempDir() + "/node"
        let r = runCLI(["init", "--dir", dir, "--topology", demoTopology, "--node", community])
        #expect(r.code == .success, "\(r.err)")
        return dir
    }

    static func write(_ text: String, _ path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func list(_ dir: String) throws -> [JSONValue] {
        let r = runCLI(["list", "person", "--dir", dir, "--json"])
        #expect(r.code == .success, "\(r.err)")
        return try r.jsonLines()
    }

    static func summary(_ r: CLIResult) throws -> JSONValue {
        try #require(try r.jsonLines().last)
    }

    /// People with every kind of value: code sets, dates, tags, commas, quotes and line breaks.
    static func seed(_ dir: String) throws {
        let lines = [
            "{\"id_number\":\"\(id(1))\",\"name\":\"张三\",\"community_code\":\"\(community)\",\"sex\":\"1\",\"birth_date\":\"19900101\",\"ethnicity\":\"01\",\"tags\":[\"低保\",\"独居老人\"],\"phone\":\"13800138000\"}",
            "{\"id_number\":\"\(id(2))\",\"name\":\"李四\",\"community_code\":\"\(community)\",\"residence_address\":\"康巴什区, 1号楼\\\"东\\\"单元\\n3层\"}",
            "{\"id_number\":\"\(id(3))\",\"name\":\" 王五\",\"community_code\":\"\(community)\",\"tags\":[\"残疾\"]}",
        ]
        let file = tempDir() + "/seed.jsonl"
        try write(lines.joined(separator: "\n") + "\n", file)
        let r = runCLI(["put", "person", "--file", file, "--dir", dir])
        #expect(r.code == .success, "\(r.err)")
    }

    // MARK: Round trips

    @Test func csvWithChineseLabelsRoundTrips() throws {
        let a = try Self.initNode()
        try Self.seed(a)
        let file = Self.tempDir() + "/人口.csv"
        let export = runCLI(["export", "person", "--output", file, "--dir", a, "--json"])
        #expect(export.code == .success, "\(export.err)")
        #expect(try Self.summary(export)["records"] == 3)

        let bytes = try Self.bytes(file)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("公民身份号码,姓名,性别,"))
        #expect(text.contains(",标签,冲突\r\n"))
        #expect(text.contains("低保;独居老人"))
        #expect(!FileManager.default.fileExists(atPath: file + ".tmp-\(getpid())"))

        let b = try Self.initNode()
        let imported = runCLI(["import", "person", file, "--dir", b, "--json"])
        #expect(imported.code == .success, "\(imported.err)")
        let s = try Self.summary(imported)
        #expect(s["rows"] == 3 && s["created"] == 3 && s["rejected"] == 0)
        #expect(try Self.list(b) == Self.list(a))

        // Importing the same file again changes nothing.
        let again = try Self.summary(runCLI(["import", "person", file, "--dir", b, "--json"]))
        #expect(again["unchanged"] == 3 && again["created"] == 0 && again["updated"] == 0)

        // Field names as headers, and standard output.
        let names = runCLI(["export", "person", "--labels", "names", "--dir", a])
        #expect(names.code == .success, "\(names.err)")
        #expect(names.out.hasPrefix("\u{FEFF}id_number,name,sex,"))
        #expect(names.out.contains("\r\n"))
        #expect(names.err.contains("3"))
        let namesFile = Self.tempDir() + "/names.csv"
        try Self.write(names.out, namesFile)
        let c = try Self.initNode()
        #expect(runCLI(["import", "person", namesFile, "--dir", c]).code == .success)
        #expect(try Self.list(c) == Self.list(a))
    }

    @Test func jsonlRoundTripAndImport() throws {
        let a = try Self.initNode()
        try Self.seed(a)
        let file = Self.tempDir() + "/p.jsonl"
        #expect(runCLI(["export", "person", "--output", file, "--dir", a]).code == .success)
        #expect(String(decoding: try Self.bytes(file), as: UTF8.self).split(separator: "\n").count == 3)
        let b = try Self.initNode()
        let r = runCLI(["import", "person", file, "--dir", b, "--json"])
        #expect(r.code == .success, "\(r.err)")
        #expect(try Self.list(b) == Self.list(a))

        // Bad lines: not JSON, not an object, an invalid field — all or nothing, each with its line.
        let bad = Self.tempDir() + "/bad.ndjson"
        try Self.write("""
            {"id_number":"\(Self.id(10))","name":"赵六","community_code":"\(Self.community)","_conflict":true}

            {"id_number":"\(Self.id(11))","name":
            [1,2]
            {"id_number":"\(Self.id(12))","name":"孙七","community_code":"\(Self.community)","sex":"7"}

            """, bad)
        let c = try Self.initNode()
        let refused = runCLI(["import", "person", bad, "--dir", c])
        #expect(refused.code == .failure)
        #expect(refused.err.contains("第3行") && refused.err.contains("第4行") && refused.err.contains("第5行"))
        #expect(refused.err.contains("性别（sex）"))
        #expect(try Self.list(c).isEmpty)

        let skipped = runCLI(["import", "person", bad, "--skip-invalid", "--dir", c, "--json"])
        #expect(skipped.code == .success, "\(skipped.err)")
        #expect(try Self.summary(skipped)["imported"] == 1)
        #expect(try Self.summary(skipped)["rejected"] == 3)
        let rejects = String(decoding: try Self.bytes(bad + ".rejects.jsonl"), as: UTF8.self)
        #expect(rejects.split(separator: "\n").count == 3)
        #expect(rejects.contains("\"_error\":\"性别（sex）"))
    }

    @Test func openConflictsAreMarkedAndTheMarkIsIgnoredOnImport() throws {
        let aDir = try Self.initNode()
        let bDir = tempStreet()
        let id = Self.id(61)
        let person = "{\"id_number\":\"\(id)\",\"name\":\"周九\",\"community_code\":\"\(Self.community)\"}"
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", person]).code == .success)
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", person.replacingOccurrences(of: "\(id)", with: Self.id(62))]).code == .success)
        let a = try Replica.open(path: aDir + "/replica.sqlite", divisions: DivisionTable.bundled)
        let b = try Replica.open(path: bDir + "/replica.sqlite", divisions: DivisionTable.bundled)
        try b.apply(a.feed(after: 0, limit: 1000).map(\.version), from: Self.community)
        // Concurrent edits of the contact group at the community and at the street.
        #expect(runCLI(["put", "person", "--dir", aDir, "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000001\"}"]).code == .success)
        #expect(runCLI(["put", "person", "--dir", bDir, "--data", "{\"id_number\":\"\(id)\",\"phone\":\"13800000002\"}"]).code == .success)
        try a.apply(b.feed(after: 0, limit: 1000).map(\.version), from: "150603002")

        let file = Self.tempDir() + "/c.csv"
        let export = runCLI(["export", "person", "--output", file, "--dir", aDir])
        #expect(export.code == .success, "\(export.err)")
        #expect(export.out.contains("1 条有冲突"))
        let lines = String(decoding: try Self.bytes(file).dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines[0].hasSuffix(",冲突"))
        #expect(lines[1].hasPrefix(id) && lines[1].hasSuffix(",是"))
        #expect(lines[2].hasPrefix(Self.id(62)) && lines[2].hasSuffix(","))

        let fresh = try Self.initNode()
        let r = runCLI(["import", "person", file, "--dir", fresh, "--json"])
        #expect(r.code == .success, "\(r.err)")
        #expect(try Self.list(fresh).map { $0["phone"] } == [.string("13800000001"), .null])
    }

    static func tempStreetPlaceholder() {}

    /// A street node (the community's parent).
    func tempStreet() -> String {
        let dir = Self.tempDir() + "/street"
        let r = runCLI(["init", "--dir", dir, "--topology", Self.demoTopology, "--node", "150603002"])
        #expect(r.code == .success, "\(r.err)")
        return dir
    }

    // MARK: Encodings and Excel's habits

    @Test func gb18030FromChineseExcel() throws {
        let dir = try Self.initNode()
        let csv = "公民身份号码,姓名,所属社区,居住地址,标签\r\n"
            + "\(Self.id(21)),欧阳娜娜,\(Self.community),鄂尔多斯市康巴什区,低保\r\n"
            + "\(Self.id(22)),䶮,\(Self.community),\"青春路 8 号,2 单元\",独居老人、低保\r\n"
        let file = Self.tempDir() + "/gbk.csv"
        let encoded = GB18030.encode(csv)
        #expect(encoded != Array(csv.utf8))
        try Data(encoded).write(to: URL(fileURLWithPath: file))

        let r = runCLI(["import", "person", file, "--dir", dir, "--json"])
        #expect(r.code == .success, "\(r.err)")
        #expect(try Self.summary(r)["encoding"] == "gb18030")
        #expect(try Self.summary(r)["created"] == 2)
        let people = try Self.list(dir)
        #expect(people.map { $0["name"] } == ["欧阳娜娜", "䶮"])
        #expect(people[1]["residence_address"] == "青春路 8 号,2 单元")
        #expect(people[1]["tags"] == ["低保", "独居老人"])

        // Forcing UTF-8 on GB18030 bytes is refused with the line, and nothing changes.
        let other = try Self.initNode()
        let forced = runCLI(["import", "person", file, "--encoding", "utf8", "--dir", other])
        #expect(forced.code == .failure)
        #expect(forced.err.contains("未导入任何记录"))
        #expect(try Self.list(other).isEmpty)
    }

    @Test func bomCRLFNamesAndEmptyCellsKeepValues() throws {
        let dir = try Self.initNode()
        let put = runCLI(["put", "person", "--dir", dir, "--data",
                          "{\"id_number\":\"\(Self.id(31))\",\"name\":\"旧名\",\"community_code\":\"\(Self.community)\",\"phone\":\"13900000000\"}"])
        #expect(put.code == .success, "\(put.err)")
        // BOM, CRLF, headers by name and label mixed, a space after a name, an unnamed last column.
        let csv = "\u{FEFF}id_number,姓名 ,community_code,联系电话,tags,\r\n"
            + "\(Self.id(31)),新名,,,低保；独居老人,\r\n"
            + "\(Self.id(32)),钱八,\(Self.community),,,\r\n"
        let file = Self.tempDir() + "/bom.txt"
        try Self.write(csv, file)
        let r = runCLI(["import", "person", file, "--dir", dir, "--json"])
        #expect(r.code == .success, "\(r.err)")
        let s = try Self.summary(r)
        #expect(s["encoding"] == "utf-8" && s["created"] == 1 && s["updated"] == 1)
        let people = try Self.list(dir)
        #expect(people[0]["name"] == "新名")
        #expect(people[0]["phone"] == "13900000000")          // empty cell: kept
        #expect(people[0]["community_code"] == .string(Self.community))
        #expect(people[0]["tags"] == ["低保", "独居老人"])
        #expect(people[1]["name"] == "钱八")
    }

    // MARK: Bad rows

    /// id(44) with a wrong check character.
    static var wrongID: String { String(id(44).dropLast()) + (id(44).last == "9" ? "8" : "9") }

    static func mixedFile() throws -> String {
        let csv = "公民身份号码,姓名,所属社区,性别\r\n"
            + "\(id(41)),甲,\(community),1\r\n"
            + "\(id(42)),,\(community),\r\n"                   // line 3: name missing
            + "\(id(43)),丙,\(community),男性\r\n"
            + "\(wrongID),丁,\(community),\r\n"                 // line 5: wrong check character
            + "\(id(45)),戊,\(community),1\r\n"
        let file = tempDir() + "/mixed.csv"
        try write(csv, file)
        return file
    }

    @Test func oneBadRowImportsNothing() throws {
        let dir = try Self.initNode()
        let file = try Self.mixedFile()
        let r = runCLI(["import", "person", file, "--dir", dir])
        #expect(r.code == .failure)
        #expect(r.err.contains("第3行：姓名（name）"))
        #expect(r.err.contains("第5行：公民身份号码（id_number）"))
        #expect(r.err.contains("line 3: name"))
        #expect(!r.err.contains("第2行") && !r.err.contains("第4行"))
        #expect(try Self.list(dir).isEmpty)

        let j = runCLI(["import", "person", file, "--dir", dir, "--json"])
        let e = try JSONParser.parse(j.err.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(e["rows_with_problems"] == 2 && e["rows_read"] == 5)
        let problems = try #require(e["problems"]?.arrayValue)
        #expect(problems.map { $0["line"] } == [3, 5])
        #expect(problems[0]["field"] == "name")
        #expect(!FileManager.default.fileExists(atPath: file + ".rejects.csv"))

        // The refused imports did not disturb the replica's actor (no new epoch).
        let status = try JSONParser.parse(runCLI(["status", "--dir", dir, "--json"]).out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(status["epoch"] == 1)
    }

    @Test func skipInvalidWritesRejectFileThatCanBeReimported() throws {
        let dir = try Self.initNode()
        let file = try Self.mixedFile()
        let r = runCLI(["import", "person", file, "--skip-invalid", "--dir", dir])
        #expect(r.code == .success, "\(r.err)")
        #expect(r.out.contains("导入 3 条") && r.out.contains("拒收 2 行"))
        #expect(r.out.contains(file + ".rejects.csv"))
        #expect(try Self.list(dir).count == 3)

        let rejectPath = file + ".rejects.csv"
        let bytes = try Self.bytes(rejectPath)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 3)
        #expect(lines[0] == "公民身份号码,姓名,所属社区,性别,错误原因")
        #expect(lines[1].hasPrefix("\(Self.id(42)),,\(Self.community),,姓名（name）："))
        #expect(lines[2].hasPrefix("\(Self.wrongID),丁,"))
        #expect(lines[2].contains("公民身份号码（id_number）"))

        // Importing the reject file unchanged refuses the same rows (the reason column is ignored).
        let unchanged = runCLI(["import", "person", rejectPath, "--dir", dir])
        #expect(unchanged.code == .failure)
        #expect(unchanged.err.contains("第2行") && unchanged.err.contains("第3行"))

        // The clerk fixes both rows in Excel and imports the reject file.
        let fixed = text.replacingOccurrences(of: "\(Self.id(42)),,", with: "\(Self.id(42)),乙,")
            .replacingOccurrences(of: Self.wrongID, with: Self.id(44))
        try Data([0xEF, 0xBB, 0xBF] + Array(fixed.utf8)).write(to: URL(fileURLWithPath: rejectPath))
        let again = runCLI(["import", "person", rejectPath, "--dir", dir, "--json"])
        #expect(again.code == .success, "\(again.err)")
        #expect(try Self.summary(again)["created"] == 2)
        #expect(try Self.list(dir).map { $0["name"] } == ["甲", "乙", "丙", "丁", "戊"])

        // --reject-file chooses the place.
        let other = try Self.initNode()
        let custom = Self.tempDir() + "/退回.csv"
        #expect(runCLI(["import", "person", file, "--skip-invalid", "--reject-file", custom, "--dir", other]).code == .success)
        #expect(FileManager.default.fileExists(atPath: custom))
    }

    @Test func unknownHeadersAndMissingKeyAreRefused() throws {
        let dir = try Self.initNode()
        let file = Self.tempDir() + "/h.csv"
        try Self.write("身份证,姓名,所属社区,备注\n\(Self.id(51)),甲,\(Self.community),x\n", file)
        let r = runCLI(["import", "person", file, "--dir", dir])
        #expect(r.code == .failure)
        #expect(r.err.contains("“身份证”") && r.err.contains("“备注”"))
        #expect(r.err.contains("公民身份号码（id_number）"))     // the valid names are listed
        #expect(r.err.contains("\"身份证\""))
        #expect(try Self.list(dir).isEmpty)

        try Self.write("姓名,所属社区\n甲,\(Self.community)\n", file)
        let noKey = runCLI(["import", "person", file, "--dir", dir])
        #expect(noKey.code == .failure)
        #expect(noKey.err.contains("主键") && noKey.err.contains("id_number"))

        // Usage errors: format unknown from the name, bad options.
        #expect(runCLI(["import", "person", Self.tempDir() + "/x.ods", "--dir", dir]).code == .usage)
        #expect(runCLI(["import", "person", Self.tempDir() + "/x.xls", "--dir", dir]).code == .usage)
        #expect(runCLI(["import", "person", file, "--encoding", "big5", "--dir", dir]).code == .usage)
        #expect(runCLI(["import", "person", file, "--reject-file", "r.csv", "--dir", dir]).code == .usage)
        #expect(runCLI(["export", "person", "--labels", "en", "--dir", dir]).code == .usage)
    }

    // MARK: Streaming through the real binary

    @Test func fiftyThousandRowsStreamThroughTheBinary() throws {
        let rows = 50_000
        let dir = Self.tempDir() + "/node"
        let initResult = try runProcess(["init", "--dir", dir, "--topology", Self.demoTopology, "--node", Self.community])
        #expect(initResult.code == 0, "\(initResult.err)")
        let file = Self.tempDir() + "/big.csv"
        var text = "公民身份号码,姓名,所属社区,标签\r\n"
        text.reserveCapacity(rows * 60)
        for i in 0..<rows {
            // 50 birth years × 1,000 sequence numbers: 50,000 distinct valid numbers.
            text += "\(Self.id(i % 1000, birth: "\(1950 + i / 1000)0101")),居民\(i),\(Self.community),低保\r\n"
        }
        try Self.write(text, file)

        let start = Date()
        let r = try runProcess(["import", "person", file, "--dir", dir, "--json"], timeout: 120)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.code == 0, "\(r.err)")
        let s = try JSONParser.parse(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(s["rows"] == .int(rows) && s["created"] == .int(rows) && s["rejected"] == 0)
        print("import: \(rows) rows in \(String(format: "%.1f", seconds)) s = \(Int(Double(rows) / seconds)) rows/s")

        let status = try runProcess(["status", "--dir", dir, "--json"])
        let o = try JSONParser.parse(status.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(o["records"]?["person"] == .int(rows))
    }
}
