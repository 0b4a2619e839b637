import Foundation
import JSON
import Standards

/// `rootsync check id`: GB 11643-1999 citizen identity numbers.
struct CheckIDCommand: Command {
    static let path = ["check", "id"]
    static let summary = "校验公民身份号码 (GB 11643) · check citizen ID numbers"
    static let discussion = """
    检查长度、校验位、出生日期和地址码。15 位旧号码会被升级为 18 位。不给 VALUE 时从标准输入逐行读取。
    Checks length, check character, birth date and address code. A legacy 15-digit number is
    upgraded to 18. Without VALUE, reads one number per line from standard input.

    规则 Rules (beyond the GB 11643 algorithm, each with its reason):
      1. 地址码可以是 1980 年以来任何一年的 GB/T 2260 代码（含“市辖区”代码如 440301、统计用代码、
         830000 台湾居民居住证），只要它曾经存在过；出生日期早于该代码设立也接受：1984–1999 年首次
         发证时按当时的区划给所有人（含老人）编码，迁入新设县区的人也会拿到新代码。
         The address code may be a GB/T 2260 code of any year since 1980 (市辖区 codes such as
         440301, NBS statistical codes and 830000 for Taiwan residents' permits included) as long
         as it existed at some time; a birth date before the code existed is accepted, because codes
         were assigned when IDs were issued in 1984–1999, to old people too, and people who move
         get the new county's code. 省直辖 grouping codes (429000, 469000) are rejected: no one was
         ever registered there.
      2. 出生年份早于 1850 年视为录入错误；晚于今天（北京时间）也无效。
         A birth year before 1850 is taken as a typing error (no living person); a date after
         today (China time) is invalid.
      3. 小写 x 接受并转为大写 X：手写和输入法常打小写，校验算法不受影响。
         A lowercase x is accepted and normalized to X: it is common in typed data and the check
         algorithm is the same.
      4. 去掉首尾空白（含全角空格 U+3000 和不换行空格 NBSP）：从 Excel 和网页复制时常带上。
         Leading and trailing white space (full-width U+3000 and NBSP included) is removed: it
         comes along when copying from Excel and web pages.
      5. 15 位号码 (GB 11643-1989) 只检查字符、地址码和日期（它没有校验位），并输出升级后的 18 位号码。
         A 15-digit number (GB 11643-1989) has no check character: its digits, address code and
         date are checked and the upgraded 18-character number is given.

    \(CheckRunner.batchHelp)

    例 Example:  rootsync check id 11010519491231002X
                 cut -d, -f3 居民.csv | rootsync check id --skip-header > 结果.jsonl
                 rootsync check id --column 身份证号 --encoding gb18030 < 居民.csv
    """
    static let options = CheckRunner.options
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
