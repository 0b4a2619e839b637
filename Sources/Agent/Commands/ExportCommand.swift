#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Catalogue
import CSV
import Foundation
import Importing
import JSON
import Replica
import XLSX

/// `rootsync export`: every visible record of a resource as an Excel workbook (.xlsx), CSV for
/// Excel, or JSON Lines, streamed.
struct ExportCommand: Command {
    static let path = ["export"]
    static let summary = "导出记录为 Excel（.xlsx 或 CSV）或 JSON Lines · export records as Excel (.xlsx or CSV) or JSON Lines"
    static let discussion = """
    按主键顺序导出一种数据的全部记录，写到标准输出或 --output 文件。CSV 为带 BOM 的 UTF-8、CRLF 换行，
    Excel 可直接打开；列名默认为中文名（--labels names 用字段名），标签写成“低保;独居老人”，
    有未解决冲突的记录在最后一列“冲突”标“是”。--format xlsx（或 --output 以 .xlsx 结尾）导出 Excel 工作簿：
    身份证号、代码和以 0 开头的值都是文本单元格，Excel 不会把它们变成 1.5E+17。导出的文件可以用 rootsync import 原样导入。
    Exports every record of a resource in key order to standard output or --output. CSV is UTF-8
    with a BOM and CRLF line ends, so Excel opens it directly; headers are the Chinese labels
    (--labels names for field names), tags are written "低保;独居老人", and records with an open
    conflict have 是 in the last column 冲突. --format xlsx (or an --output ending in .xlsx) writes
    an Excel workbook whose ID numbers, codes and leading zeros are text cells, so Excel never turns
    them into 1.5E+17. The file can be imported back with rootsync import.

    例 Example:  rootsync export person --output 人口.csv --dir /srv/rootsync
                 rootsync export person --output 人口.xlsx --dir /srv/rootsync
                 rootsync export house --format jsonl --dir /srv/rootsync > house.jsonl
    """
    static let arguments = [ArgumentSpec("RESOURCE", help: "数据种类 · resource name")]
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("format", value: "xlsx|csv|jsonl", help: "输出格式，默认按 --output 扩展名，否则 csv；xlsx 须有 --output · output format (default: from --output's extension, else csv; xlsx needs --output)"),
        .option("output", value: "FILE", help: "写入文件（默认标准输出）· write to FILE (default: standard output)"),
        .option("labels", value: "zh|names", help: "CSV 列名用中文名（默认）或字段名 · CSV headers: Chinese labels (default) or field names"),
    ]

    let parsed: ParsedArguments
    let resourceName: String
    let format: ImportCommand.Format
    let useLabels: Bool
    let output: String?

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        resourceName = try parsed.required(argument: 0, "RESOURCE")
        output = parsed.value("output")
        if let f = parsed.value("format") {
            guard let format = ImportCommand.Format(rawValue: f.lowercased()) else {
                throw UsageError("--format 应为 xlsx、csv 或 jsonl，不是 \(f)", "--format must be xlsx, csv or jsonl, not \(f)", command: parsed.commandName)
            }
            self.format = format
        } else if let output, ["jsonl", "ndjson", "json"].contains((output as NSString).pathExtension.lowercased()) {
            format = .jsonl
        } else if let output, (output as NSString).pathExtension.lowercased() == "xlsx" {
            format = .xlsx
        } else {
            format = .csv
        }
        if format == .xlsx && output == nil {
            throw UsageError("导出 xlsx 须用 --output 指定文件", "an xlsx export needs --output FILE", command: parsed.commandName)
        }
        switch parsed.value("labels")?.lowercased() ?? "zh" {
        case "zh", "labels", "label": useLabels = true
        case "names", "name": useLabels = false
        case let other:
            throw UsageError("--labels 应为 zh 或 names，不是 \(other)", "--labels must be zh or names, not \(other)", command: parsed.commandName)
        }
    }

    /// One record as CSV cells, in the resource's field order.
    static func cells(_ record: JSONObject, _ r: Resource) -> [String] { ExportCells.text(record, r) }

    static func xlsx<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as XLSXError { throw CommandError(e.chinese, e.english) }
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed)
        let r = try ReplicaAccess.resource(replica, resourceName)
        var count = 0, conflicted = 0

        // A file is written under a temporary name and renamed when complete, so a failed export
        // never leaves a truncated file that looks finished.
        let temp = output.map { $0 + ".tmp-\(getpid())" }
        do {
            switch (format, temp) {
            case (.csv, let temp?):
                let writer: CSVWriter
                do { writer = try CSVWriter(path: temp, bom: true) } catch let e as CSVError {
                    throw CommandError(e.chinese, e.english)
                }
                try writer.write(header(r))
                try ReplicaAccess.mapped(resource: r) {
                    try replica.list(r.name) { record in
                        let conflict = record["_conflict"] == .bool(true)
                        if conflict { conflicted += 1 }
                        count += 1
                        try writer.write(Self.cells(record, r) + [conflict ? "是" : ""])
                    }
                }
                do { try writer.close() } catch let e as CSVError { throw CommandError(e.chinese, e.english) }
            case (.csv, nil):
                // Standard output: rows are encoded in small in-memory batches and passed on.
                context.out.write("\u{FEFF}")
                var batch = CSVWriter(bom: false)
                var inBatch = 0
                try batch.write(header(r))
                try ReplicaAccess.mapped(resource: r) {
                    try replica.list(r.name) { record in
                        let conflict = record["_conflict"] == .bool(true)
                        if conflict { conflicted += 1 }
                        count += 1
                        try batch.write(Self.cells(record, r) + [conflict ? "是" : ""])
                        inBatch += 1
                        if inBatch == 500 {
                            context.out.write(String(decoding: batch.bytes, as: UTF8.self))
                            batch = CSVWriter(bom: false)
                            inBatch = 0
                        }
                    }
                }
                context.out.write(String(decoding: batch.bytes, as: UTF8.self))
            case (.xlsx, let temp?):
                let writer = try Self.xlsx { try XLSXWriter(path: temp, sheetName: r.label, columnWidths: ExportCells.columnWidths(r)) }
                try Self.xlsx { try writer.write(header(r).map { .text($0) }) }
                try ReplicaAccess.mapped(resource: r) {
                    try replica.list(r.name) { record in
                        let conflict = record["_conflict"] == .bool(true)
                        if conflict { conflicted += 1 }
                        count += 1
                        try Self.xlsx { try writer.write(ExportCells.xlsx(record, r) + [conflict ? .text("是") : .empty]) }
                    }
                }
                try Self.xlsx { try writer.close() }
            case (.xlsx, nil):
                throw UsageError("导出 xlsx 须用 --output 指定文件", "an xlsx export needs --output FILE", command: parsed.commandName)
            case (.jsonl, let temp?):
                let out = try FileOutput(path: temp)
                try ReplicaAccess.mapped(resource: r) {
                    try replica.list(r.name) { record in
                        if record["_conflict"] == .bool(true) { conflicted += 1 }
                        count += 1
                        try out.json(.object(record))
                    }
                }
                try out.close()
            case (.jsonl, nil):
                try ReplicaAccess.mapped(resource: r) {
                    try replica.list(r.name) { record in
                        if record["_conflict"] == .bool(true) { conflicted += 1 }
                        count += 1
                        context.out.json(.object(record))
                    }
                }
            }
        } catch {
            if let temp { unlink(temp) }
            throw error
        }
        if let temp, let output {
            guard rename(temp, output) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temp)
                throw CommandError("无法写入 \(output)：\(reason)", "cannot write \(output): \(reason)")
            }
        }

        // The summary goes to standard output only when the data went to a file.
        let sink = output == nil ? context.err : context.out
        if context.json {
            if output != nil {
                var o = JSONObject()
                o.append("resource", .string(r.name))
                o.append("file", .string(output!))
                o.append("format", .string(format.rawValue))
                o.append("records", .int(count))
                o.append("conflicts", .int(conflicted))
                sink.json(.object(o))
            }
        } else {
            let conflictsZh = conflicted > 0 ? "，其中 \(conflicted) 条有冲突" : ""
            let conflictsEn = conflicted > 0 ? ", \(conflicted) with open conflicts" : ""
            sink.line("已导出 \(count) 条\(r.label)记录\(conflictsZh)\(output.map { " → \($0)" } ?? "")")
            sink.line("exported \(count) \(r.name) records\(conflictsEn)\(output.map { " to \($0)" } ?? "")")
        }
        return .success
    }

    private func header(_ r: Resource) -> [String] { ExportCells.header(r, labels: useLabels) }
}
