import JSON
import Standards

/// `rootsync check division`: GB/T 2260 codes and the 9/12-digit statistical codes.
struct CheckDivisionCommand: Command {
    static let path = ["check", "division"]
    static let summary = "校验行政区划代码 (GB/T 2260) · check division codes"
    static let discussion = """
    接受 6 位（省、市、区县）、9 位（街道、镇、苏木）和 12 位（社区、村）代码，给出层级、上级和名称。
    历史代码（例如 152701 东胜市）仍然有效。不给 VALUE 时从标准输入逐行读取。
    Accepts 6-digit (province, city, district), 9-digit (street, town) and 12-digit (community,
    village) codes and gives the level, parent and name. Historical codes stay valid.
    """
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
                .init(key: "jurisdiction_prefix", label: "辖区前缀 jurisdiction prefix", value: JSONValue(r.jurisdictionPrefix)),
            ]
            report.notes = r.notes
            return report
        }
    }
}
