import JSON
import Standards

/// `rootsync check division`: GB/T 2260 codes and the 9/12-digit statistical codes.
struct CheckDivisionCommand: Command {
    static let path = ["check", "division"]
    static let summary = "校验行政区划代码 (GB/T 2260) · check division codes"
    static let discussion = """
    接受 6 位（省、市、区县）、9 位（街道、镇、苏木）和 12 位（社区、村）代码，给出层级、上级、名称和
    代码有效的年份。不给 VALUE 时从标准输入逐行读取。
    Accepts 6-digit (province, city, district), 9-digit (street, town) and 12-digit (community,
    village) codes and gives the level, parent, name and the years the code was listed.

    规则 Rules (each with its reason):
      1. 6 位代码：1980 年以来任何一年的 GB/T 2260 代码都有效（例如 152701 东胜市，1983–2000），因为
         旧记录和身份证号码保留当年的代码；“市辖区”代码 (XXXX01) 和统计用代码也接受，但附注说明。
         6 digits: a GB/T 2260 code of any year since 1980 is valid (e.g. 152701 东胜市, 1983–2000),
         since old records and ID numbers keep the code of their year; 市辖区 grouping codes and
         NBS statistical codes are accepted with a note.
      2. 第 7–9 位（乡级）须在编码规则范围内：001–099 街道，100–199 镇，200–399 乡/苏木，400–599 开发区；
         000 或 600–999 无效。
         Digits 7–9 (township) must be in the ranges of the coding rules: 001–099 subdistrict,
         100–199 town, 200–399 township/sumu, 400–599 development zone; 000 and 600–999 are invalid.
      3. 第 10–12 位（村级）须为 001–199 居委会/社区或 200–399 村委会；000 和 400–999 无效。
         Digits 10–12 (village) must be 001–199 residents' or 200–399 villagers' committee.
      4. 乡镇名录已完整收录的县（鄂尔多斯市各旗区，国家统计局 2023 年代码）中，名录里没有的乡级代码无效；
         其他县的乡级代码只附注“名称未知”。
         In a county whose townships rootsync ships in full (every Ordos county, NBS 2023 codes), a
         township code missing from the list is invalid; elsewhere it only gets a note.
      5. 去掉首尾空白（含 U+3000、NBSP）。Leading and trailing white space is removed.

    \(CheckRunner.batchHelp)
    """
    static let options = CheckRunner.options
    static let arguments = [ArgumentSpec("VALUE", help: "区划代码 · the division code", optional: true)]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let divisions = try StandardsData.divisions()
        return try CheckRunner.run(parsed, context) { value in
            let r = DivisionCode.check(value, table: divisions)
            var report = CheckReport(value: value, issues: r.issues)
            report.facts = [
                .init(key: "code", label: "代码 code", value: JSONValue(r.code)),
                .init(key: "level", label: "层级 level", value: JSONValue(r.level?.rawValue)),
                .init(key: "level_name", label: "层级名称 level name", value: JSONValue(r.level?.nameZh)),
                .init(key: "kind", label: "类型 kind", value: JSONValue(r.kind?.rawValue)),
                .init(key: "name", label: "名称 name", value: JSONValue(r.name)),
                .init(key: "parent_code", label: "上级 parent", value: JSONValue(r.parentCode)),
                .init(key: "current", label: "现行代码 current", value: r.isCurrent.map { .bool($0) } ?? .null),
                .init(key: "first_year", label: "始用年份 first listed", value: r.firstYear.map { .number(String($0)) } ?? .null),
                .init(key: "last_year", label: "停用年份 last listed", value: r.lastYear.map { .number(String($0)) } ?? .null),
                .init(key: "source", label: "来源 source", value: JSONValue(r.source?.rawValue)),
                .init(key: "jurisdiction_prefix", label: "辖区前缀 jurisdiction prefix", value: JSONValue(r.jurisdictionPrefix)),
            ]
            report.notes = r.notes
            return report
        }
    }
}
