import Foundation
import JSON
import Testing
import Transport
import XLSX
@testable import Node
@testable import Replica

/// 导入 / 导出 through the web API: an xlsx with bad rows is checked without writing, refused
/// whole, or imported in part with a reject workbook; CSV works the same; the export is an xlsx
/// with text cells, masked for a clerk.
@Suite("Web import and export (in-process)", .serialized)
struct WebImportTests {
    static let community = WebAppTests.community

    static func workbook(_ rows: [[String]]) throws -> [UInt8] {
        let w = try XLSXWriter(sheetName: "人口")
        for r in rows { try w.write(r.map { .text($0) }) }
        try w.close()
        return w.bytes
    }

    static func body(_ bytes: [UInt8], _ mode: String, name: String = "人口.xlsx") -> JSONValue {
        ["file_name": .string(name), "data": .string(Data(bytes).base64EncodedString()), "mode": .string(mode)]
    }

    @Test("an xlsx with 3 bad rows among 10: check writes nothing, all refuses, valid imports 7 and answers the 3 with 错误原因")
    func xlsxImport() throws {
        let (tree, server) = try WebAppTests().setUp()
        let c = WebClient(server)
        c.signIn("李审核", WebAppTests.reviewerPassword)
        var rows = [["公民身份号码", "姓名", "所属社区", "性别"]]
        for i in 0..<10 { rows.append([Tree.id(100 + i), "人\(i)", Self.community, ""]) }
        let good = rows[1][0]
        rows[3][0] = String(rows[3][0].dropLast()) + (rows[3][0].last == "0" ? "1" : "0")   // check digit
        rows[5][3] = "7"                                                                       // not a sex code
        rows[8][0] = "1.50603E+17"                                                             // Excel's doing
        let bytes = try Self.workbook(rows)

        let check = c.send("POST", "/app/api/import/person", json: Self.body(bytes, "check"))
        #expect(check.status == 200, "\(check.json)")
        #expect(check.json["imported"] == false && check.json["rows"] == 10 && check.json["valid"] == 7 && check.json["rejected"] == 3, "\(check.json)")
        let problems = check.json["problems"]?.arrayValue ?? []
        #expect(problems.compactMap { $0["line"]?.int64Value } == [4, 6, 9])
        #expect(problems.last?["rule"] == "record.excel_number")
        #expect(problems.last?["message_zh"]?.stringValue?.contains("Excel") == true)
        #expect(problems.last?["message_en"]?.stringValue?.contains("Excel's number formatting") == true)
        #expect(try tree[Self.community].get("person", key: good) == nil)

        let all = c.send("POST", "/app/api/import/person", json: Self.body(bytes, "all"))
        #expect(all.json["imported"] == false && all.json["rejected"] == 3)
        #expect(try tree[Self.community].get("person", key: good) == nil)

        let valid = c.send("POST", "/app/api/import/person", json: Self.body(bytes, "valid"))
        #expect(valid.json["imported"] == true && valid.json["created"] == 7, "\(valid.json)")
        #expect(try tree[Self.community].get("person", key: good)?["name"] == "人0")
        let rejects = try #require(valid.json["rejects"])
        #expect(rejects["file_name"] == "人口-拒收.xlsx")
        let data = try #require(Data(base64Encoded: rejects["data"]?.stringValue ?? ""))
        let reader = try XLSXReader(bytes: [UInt8](data))
        #expect(try reader.nextRow()?.map(\.text) == ["公民身份号码", "姓名", "所属社区", "性别", "错误原因"])
        var reasons: [String] = []
        while let row = try reader.nextRow() { reasons.append(row.last!.text) }
        #expect(reasons.count == 3)
        #expect(reasons[0].hasPrefix("公民身份号码（id_number）：") && reasons[1].hasPrefix("性别（sex）："), "\(reasons)")
        let audit = try #require(try tree[Self.community].auditEntries(limit: 1, action: "web_import").first)
        #expect(audit.user == "李审核" && audit.detail.contains("imported=7") && audit.detail.contains("rejected=3"))

        // CSV (as Excel saves it) through the same path; a damaged xlsx names the file's problem.
        let csv = Array("\u{FEFF}公民身份号码,姓名,所属社区\r\n\(Tree.id(120)),甲,\(Self.community)\r\n".utf8)
        let csvAnswer = c.send("POST", "/app/api/import/person", json: Self.body(csv, "all", name: "a.csv"))
        #expect(csvAnswer.json["imported"] == true && csvAnswer.json["format"] == "csv", "\(csvAnswer.json)")
        let broken = c.send("POST", "/app/api/import/person", json: Self.body(Array(bytes.prefix(bytes.count / 2)), "check"))
        #expect(broken.status == 400 && broken.json["message_zh"]?.stringValue?.contains("人口.xlsx") == true, "\(broken.json)")
        #expect(c.send("POST", "/app/api/import/person", json: ["file_name": "x.xlsx", "data": "!!", "mode": "check"]).status == 400)
        #expect(c.send("POST", "/app/api/import/person", json: Self.body(bytes, "sideways")).status == 400)
        // No CSRF token: refused before anything is read.
        #expect(c.send("POST", "/app/api/import/person", json: Self.body(csv, "all", name: "a.csv"), withCSRF: false).status == 403)
    }

    @Test("the export is an xlsx of text cells with every digit, masked for a clerk; audited")
    func export() throws {
        let (tree, server) = try WebAppTests().setUp()
        let r = tree[Self.community]
        let id = Tree.id(7)
        _ = try r.put("person", JSONObject([("id_number", .string(id)), ("name", "钱七"), ("community_code", .string(Self.community)),
                                            ("phone", "01087654321"), ("ethnicity", "01")]))
        let reviewer = WebClient(server)
        reviewer.signIn("李审核", WebAppTests.reviewerPassword)
        let answer = reviewer.send("GET", "/app/api/export/person")
        #expect(answer.status == 200)
        #expect(answer.response.headers["Content-Type"] == NodeServer.xlsxContentType)
        #expect(answer.response.headers["Content-Disposition"]?.contains("attachment") == true)
        let reader = try XLSXReader(bytes: answer.response.body)
        let header = try #require(try reader.nextRow())
        let row = try #require(try reader.nextRow())
        let cell = { (label: String) in row[header.firstIndex { $0.text == label }!] }
        #expect(cell("公民身份号码") == XLSXCell(.text, id))
        #expect(cell("联系电话") == XLSXCell(.text, "01087654321"))
        #expect(cell("民族") == XLSXCell(.text, "01"))
        #expect(try tree[Self.community].auditEntries(limit: 1, action: "web_export").first?.user == "李审核")

        let clerk = WebClient(server)
        clerk.signIn("王芳", WebAppTests.clerkPassword)
        let masked = try XLSXReader(bytes: clerk.send("GET", "/app/api/export/person").response.body)
        _ = try masked.nextRow()
        #expect(try masked.nextRow()?.first?.text == FieldMasking.mask(id))
        #expect(WebClient(server).send("GET", "/app/api/export/person").status == 401)
    }
}
