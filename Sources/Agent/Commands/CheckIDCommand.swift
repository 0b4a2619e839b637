import Foundation
import JSON
import Standards

/// `rootsync check id`: GB 11643-1999 citizen identity numbers.
struct CheckIDCommand: Command {
    static let path = ["check", "id"]
    static let summary = "校验公民身份号码 (GB 11643) · check citizen ID numbers"
    static let discussion = """
    检查长度、校验位、出生日期和地址码（任何年份的 GB/T 2260 代码都有效）。15 位旧号码会被升级为 18 位。
    不给 VALUE 时，从标准输入逐行读取，每行输出一个 JSON 对象。
    Checks length, check character, birth date and address code (a GB/T 2260 code of any year).
    A legacy 15-digit number is upgraded to 18. Without VALUE, reads one number per line from
    standard input and prints one JSON object per line.

    例 Example:  rootsync check id 11010519491231002X
                 cut -d, -f3 居民.csv | rootsync check id > 结果.jsonl
    """
    static let arguments = [ArgumentSpec("VALUE", help: "身份证号码 · the ID number", optional: true)]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let divisions = try StandardsData.divisions()
        return try CheckRunner.run(parsed, context) { value in
            let r = CitizenID.check(value, divisions: divisions)
            var report = CheckReport(value: value, issues: r.issues)
            report.facts = [
                .init(key: "normalized", label: "标准号码 normalized", value: JSONValue(r.normalized)),
                .init(key: "address_code", label: "地址码 address code", value: JSONValue(r.addressCode)),
                .init(key: "address_name", label: "地址 address", value: JSONValue(r.addressName)),
                .init(key: "birth_date", label: "出生日期 birth date", value: JSONValue(r.birthDate)),
                .init(key: "sex", label: "性别 sex (GB/T 2261.1)", value: JSONValue(r.sex)),
                .init(key: "upgraded_from_legacy", label: "由15位升级 upgraded from 15 digits", value: .bool(r.upgradedFromLegacy)),
            ]
            return report
        }
    }
}
