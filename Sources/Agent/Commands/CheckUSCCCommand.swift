import JSON
import Standards

/// `rootsync check uscc`: GB 32100-2015 unified social credit codes.
struct CheckUSCCCommand: Command {
    static let path = ["check", "uscc"]
    static let summary = "校验统一社会信用代码 (GB 32100) · check unified social credit codes"
    static let discussion = """
    检查字符集、登记管理部门和机构类别、行政区划码、组织机构代码校验位 (GB 11714) 和最后一位校验码。
    不给 VALUE 时从标准输入逐行读取。
    Checks the alphabet, registration authority and entity type, division code, the embedded
    GB 11714 organization-code check character and the final check character. Without VALUE,
    reads standard input.

    规则 Rules (beyond the GB 32100 algorithm, each with its reason):
      1. 以 A、N、Y 开头的代码只要校验通过就有效：GB 32100 的修订和各部门的登记规定都使用这些字母。
         Codes starting with A, N or Y are valid when their checks pass: the authorities added
         to GB 32100 use these letters.
      2. 第 3–8 位可以是 1980 年以来任何一年的区划代码、“市辖区”归类代码（登记机关常用，如 110101 之外的
         XXXX01）、统计用代码（如 2018 年大兴安岭的 232761–232764），或 100000（中央登记）：代码终身不变。
         Positions 3–8 may be a division code of any year since 1980, a 市辖区 grouping code (used
         by city-level registering offices), an NBS statistical code (e.g. the 大兴安岭 districts
         232761–232764 of 2018) or 100000 (central registration): a code never changes.
      3. 第 2 位机构类别必须属于第 1 位的登记管理部门（按 GB 32100 的对照表）。
         The entity type (position 2) must be one its authority (position 1) registers.
      4. 小写字母接受并转为大写；去掉首尾空白（含 U+3000、NBSP）。
         Lowercase letters are accepted and uppercased; leading and trailing white space (U+3000
         and NBSP included) is removed: both come from typed and copied data.

    \(CheckRunner.batchHelp)
    """
    static let options = CheckRunner.options
    static let arguments = [ArgumentSpec("VALUE", help: "统一社会信用代码 · the credit code", optional: true)]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let divisions = try StandardsData.divisions()
        return try CheckRunner.run(parsed, context) { value in
            let r = CreditCode.check(value, divisions: divisions)
            var report = CheckReport(value: value, issues: r.issues)
            report.facts = [
                .init(key: "normalized", label: "标准代码 normalized", value: JSONValue(r.normalized)),
                .init(key: "authority", label: "登记管理部门 authority", value: JSONValue(r.authority?.code)),
                .init(key: "authority_name", label: "部门名称 authority name", value: JSONValue(r.authority?.nameZh)),
                .init(key: "entity_type", label: "机构类别 entity type", value: JSONValue(r.entityType?.code)),
                .init(key: "entity_type_name", label: "类别名称 entity type name", value: JSONValue(r.entityType?.nameZh)),
                .init(key: "division_code", label: "行政区划码 division", value: JSONValue(r.divisionCode)),
                .init(key: "division_name", label: "区划名称 division name", value: JSONValue(r.divisionName)),
                .init(key: "organization_code", label: "组织机构代码 organization code", value: JSONValue(r.organizationCode)),
            ]
            return report
        }
    }
}
