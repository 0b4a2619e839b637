import JSON
import Standards

/// `rootsync check uscc`: GB 32100-2015 unified social credit codes.
struct CheckUSCCCommand: Command {
    static let path = ["check", "uscc"]
    static let summary = "校验统一社会信用代码 (GB 32100) · check unified social credit codes"
    static let discussion = """
    检查字符集、登记管理部门和机构类别、行政区划码、组织机构代码校验位 (GB 11714) 和最后一位校验码。
    以 A、N、Y 开头的代码只要校验通过就有效。不给 VALUE 时从标准输入逐行读取。
    Checks the alphabet, registration authority and entity type, division code, the embedded
    GB 11714 organization-code check character and the final check character. Codes starting
    with A, N or Y are valid when their checks pass. Without VALUE, reads standard input.
    """
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
