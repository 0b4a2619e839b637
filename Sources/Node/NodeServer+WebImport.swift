import Catalogue
import Foundation
import Importing
import JSON
import Replica
import Standards
import Transport
import XLSX

/// 导入 / 导出 in the web app: a sheet (xlsx or CSV) uploaded as base64 inside JSON (POSTs are
/// JSON only, see `checkSameSiteJSON`), checked and imported by `ImportRun` exactly as
/// `rootsync import` does; and every record of a resource downloaded as an .xlsx workbook.
extension NodeServer {
    /// Largest file the web import takes (its base64 form is a third larger).
    static let webImportMaxBytes = 16 << 20
    /// Problems listed in an import answer (the rest are counted).
    static let webImportMaxProblems = 200

    /// `POST /app/api/import/{resource}` {"file_name", "data" (base64), "mode"}: `check` reads and
    /// validates every row and writes nothing; `all` imports only if every row passes; `valid`
    /// imports the rows that pass and answers the others as a reject file with a 错误原因 column,
    /// in the upload's format. Audited as `web_import`.
    func webImport(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let body = try JSONParser.parse(bytes: call.request.body)
        let fileName = body["file_name"]?.stringValue ?? "upload"
        guard let base64 = body["data"]?.stringValue, let data = Data(base64Encoded: base64) else {
            throw WebError.badRequest(zh: "请选择要导入的文件", en: "choose a file to import")
        }
        guard data.count <= Self.webImportMaxBytes else {
            throw WebError.badRequest(zh: "文件超过 \(Self.webImportMaxBytes >> 20) MB，请分成几个文件导入或用 rootsync import",
                                      en: "the file is larger than \(Self.webImportMaxBytes >> 20) MB; split it or use rootsync import")
        }
        let mode: ImportRun.Mode
        switch body["mode"]?.stringValue ?? "check" {
        case "check": mode = .dryRun
        case "all": mode = .allOrNothing
        case "valid": mode = .keepValid
        case let other: throw WebError.badRequest(zh: "导入方式（mode）无效：\(other)", en: "unknown import mode \(other)")
        }
        let bytes = [UInt8](data)
        let name = (fileName as NSString).lastPathComponent
        let lower = name.lowercased()
        if lower.hasSuffix(".xls") {
            throw WebError.badRequest(zh: "旧版 Excel 文件（.xls）无法读取：请在 Excel 中另存为 .xlsx 或 CSV", en: "old Excel files (.xls) cannot be read: save as .xlsx or CSV")
        }
        let isXLSX = SheetImportSource.looksLikeXLSX(bytes)
        let (run, kept, resource) = try pool.with { replica -> (ImportRun, Bool, Resource) in
            let r = try replica.resource(call.parts[3])
            let source: SheetImportSource
            do {
                source = isXLSX ? try SheetImportSource(xlsxBytes: bytes, name: name, resource: r)
                                : try SheetImportSource(csvBytes: bytes, name: name, resource: r)
            } catch let e as ImportFileError {
                throw WebError.badRequest(zh: e.messageZh, en: e.messageEn)
            }
            let run = ImportRun(replica: replica, resource: r, source: source, mode: mode)
            let kept: Bool
            do { kept = try run.run() } catch let e as ImportFileError {
                throw WebError.badRequest(zh: e.messageZh, en: e.messageEn)
            }
            if kept {
                try replica.audit("web_import", detail: "resource=\(r.name) file=\(name) rows=\(run.tally.rows) imported=\(run.tally.imported) rejected=\(run.tally.rejected) mode=\(body["mode"]?.stringValue ?? "check")",
                                  user: account.name)
                try replica.writeLease()
            }
            return (run, kept, r)
        }
        if kept && run.tally.created + run.tally.updated > 0 { localChange.notify(); routesChanged.notify() }
        if kept { log.event("web_import", ["operator": account.name, "resource": resource.name, "rows": "\(run.tally.rows)"]) }
        let t = run.tally
        var o = JSONObject()
        o.append("resource", .string(resource.name))
        o.append("file_name", .string(name))
        o.append("format", .string(isXLSX ? "xlsx" : "csv"))
        o.append("mode", .string(body["mode"]?.stringValue ?? "check"))
        o.append("imported", .bool(kept))
        o.append("rows", .int(t.rows))
        o.append("valid", .int(t.rows - t.rejected))
        o.append("rejected", .int(t.rejected))
        o.append("created", .int(kept ? t.created : 0))
        o.append("updated", .int(kept ? t.updated : 0))
        o.append("unchanged", .int(kept ? t.unchanged : 0))
        o.append("problems_total", .int(t.problemCount))
        o.append("problems", .array(t.problems.prefix(Self.webImportMaxProblems).map { issue in
            var p = JSONObject()
            p.append("line", .int(issue.line ?? 0))
            p.append("field", .string(issue.field))
            p.append("label", .string(resource.field(issue.field)?.label ?? ""))
            p.append("rule", .string(issue.rule))
            p.append("message_zh", .string(issue.messageZhWithoutLine))
            p.append("message_en", .string(issue.messageEnWithoutLine))
            return .object(p)
        }))
        if kept && mode == .keepValid, let rejects = run.rejects {
            let stem = (name as NSString).deletingPathExtension
            o.append("rejects", ["file_name": .string("\(stem)-拒收.\(isXLSX ? "xlsx" : "csv")"),
                                 "content_type": .string(isXLSX ? Self.xlsxContentType : "text/csv; charset=utf-8"),
                                 "data": .string(Data(rejects.bytes).base64EncodedString())])
        }
        return Self.webJSON(.object(o))
    }

    static let xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// `GET /app/api/export/{resource}`: every visible record as an .xlsx workbook (ID numbers,
    /// codes and leading zeros as text cells), masked as the search is for roles that do not see
    /// whole numbers. Audited as `web_export`.
    func webExport(_ call: WebCall) throws -> HTTPResponse {
        let account = try call.operatorAccount
        let (bytes, resource, count) = try pool.with { replica -> ([UInt8], Resource, Int) in
            let r = try replica.resource(call.parts[3])
            var count = 0
            let writer: XLSXWriter
            do {
                writer = try XLSXWriter(sheetName: r.label, columnWidths: ExportCells.columnWidths(r))
                try writer.write(ExportCells.header(r).map { .text($0) })
                try replica.list(r.name) { record in
                    count += 1
                    let shown = account.role.seesIdentifiers ? record : FieldMasking.mask(record, r)
                    try writer.write(ExportCells.xlsx(shown, r) + [record["_conflict"] == .bool(true) ? .text("是") : .empty])
                }
                try writer.close()
            } catch let e as XLSXError {
                throw WebError.badRequest(zh: e.chinese, en: e.english)
            }
            try replica.audit("web_export", detail: "resource=\(r.name) records=\(count) masked=\(!account.role.seesIdentifiers)", user: account.name)
            return (writer.bytes, r, count)
        }
        log.event("web_export", ["operator": account.name, "resource": resource.name, "records": "\(count)"])
        let fileName = "\(resource.label)-\(node).xlsx"
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? "export.xlsx"
        return HTTPResponse(status: 200, headers: ["Content-Type": Self.xlsxContentType,
                                                   "Content-Disposition": "attachment; filename=\"\(resource.name)-\(node).xlsx\"; filename*=UTF-8''\(encoded)"],
                            body: bytes)
    }
}
