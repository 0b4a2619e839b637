import Foundation
import JSON
import Testing
import XLSX
@testable import Agent

/// `rootsync import` and `export` with .xlsx workbooks: export and import back unchanged, all or
/// nothing, reject workbooks with 错误原因, the openpyxl fixture, and Excel's rounded IDs.
@Suite("rootsync import/export xlsx")
struct XLSXImportExportTests {
    typealias T = ImportExportTests

    static func workbook(_ rows: [[XLSXWriter.Value]], _ path: String) throws {
        let w = try XLSXWriter(path: path, sheetName: "人口")
        for r in rows { try w.write(r) }
        try w.close()
    }

    @Test func exportedWorkbookImportsUnchangedWithTextCells() throws {
        let dir = try T.initNode()
        try T.seed(dir)
        let file = T.tempDir() + "/人口.xlsx"
        let e = runCLI(["export", "person", "--output", file, "--dir", dir])
        #expect(e.code == .success, "\(e.err)")
        let reader = try XLSXReader(path: file)
        let header = try #require(try reader.nextRow()).map(\.text)
        #expect(header.first == "公民身份号码" && header.last == "冲突")
        let first = try #require(try reader.nextRow())
        #expect(first[0] == XLSXCell(.text, T.id(1)))
        let ethnicity = try #require(header.firstIndex(of: "民族"))
        #expect(first[ethnicity] == XLSXCell(.text, "01"))

        let other = try T.initNode()
        let i = runCLI(["import", "person", file, "--dir", other, "--json"])
        #expect(i.code == .success, "\(i.err)")
        #expect(try T.list(other) == (try T.list(dir)))
        // --format xlsx needs a file.
        #expect(runCLI(["export", "person", "--format", "xlsx", "--dir", dir]).code == .usage)
    }

    @Test func badRowsRefuseAllOrGoToARejectWorkbook() throws {
        let dir = try T.initNode()
        let file = T.tempDir() + "/人口.xlsx"
        try Self.workbook([
            [.text("公民身份号码"), .text("姓名"), .text("所属社区")],
            [.text(T.id(61)), .text("甲"), .text(T.community)],
            [.number("1.50603E+17"), .text("乙"), .text(T.community)],
            [.text(T.id(63)), .empty, .text(T.community)],
        ], file)
        let refused = runCLI(["import", "person", file, "--dir", dir])
        #expect(refused.code == .failure)
        #expect(refused.err.contains("第3行") && refused.err.contains("Excel 的数字格式"))
        #expect(refused.err.contains("Excel's number formatting"))
        #expect(refused.err.contains("第4行"))
        #expect(try T.list(dir).isEmpty)

        let kept = runCLI(["import", "person", file, "--skip-invalid", "--dir", dir])
        #expect(kept.code == .success, "\(kept.err)")
        #expect(kept.out.contains(file + ".rejects.xlsx"))
        #expect(try T.list(dir).map { $0["name"] } == ["甲"])
        let rejects = try XLSXReader(path: file + ".rejects.xlsx")
        #expect(try rejects.nextRow()?.map(\.text) == ["公民身份号码", "姓名", "所属社区", "错误原因"])
        let second = try #require(try rejects.nextRow())
        #expect(second[0].text == "1.50603E+17" && second[3].text.contains("Excel"))
        #expect(rejects.rowNumber == 2)
        #expect(try rejects.nextRow()?.last?.text.contains("姓名（name）") == true)
    }

    @Test func damagedWorkbookNamesTheProblem() throws {
        let dir = try T.initNode()
        let file = T.tempDir() + "/坏.xlsx"
        try T.write("公民身份号码,姓名\n", file)
        let r = runCLI(["import", "person", file, "--dir", dir])
        #expect(r.code == .failure)
        #expect(r.err.contains("不是 Excel 工作簿") && r.err.contains("未导入任何记录"), "\(r.err)")
    }

    @Test func realWorldInputThroughPutAndCSV() throws {
        let dir = try T.initNode()
        let id = T.id(81)
        let wide = String(String.UnicodeScalarView(id.unicodeScalars.map { ("0"..."9").contains($0) ? Unicode.Scalar($0.value + 0xFEE0)! : $0 }))
        let sex = Int(String(Array(id)[16]))! % 2 == 1 ? "男" : "女"
        let data = #"{"id_number": "\#(wide)", "name": "全角", "community_code": "\#(T.community)", "sex": "\#(sex)", "birth_date": "1990年1月1日", "ethnicity": "汉"}"#
        let put = runCLI(["put", "person", "--data", data, "--dir", dir])
        #expect(put.code == .success, "\(put.err)")
        let stored = try #require(try T.list(dir).first)
        #expect(stored["id_number"]?.stringValue == id && stored["birth_date"] == "19900101" && stored["ethnicity"] == "01")
        let refused = runCLI(["put", "person", "--data", #"{"id_number": "1.50603E+17", "name": "乙", "community_code": "\#(T.community)"}"#, "--dir", dir])
        #expect(refused.code == .failure && refused.err.contains("Excel's number formatting"), "\(refused.err)")
        // CSV: slashes and labels.
        let file = T.tempDir() + "/p.csv"
        try T.write("公民身份号码,姓名,所属社区,出生日期,性别\n\(T.id(82)),丙,\(T.community),1990/1/1,\(Int(String(Array(T.id(82))[16]))! % 2 == 1 ? "男" : "女")\n", file)
        let csv = runCLI(["import", "person", file, "--dir", dir])
        #expect(csv.code == .success, "\(csv.err)")
    }
}
