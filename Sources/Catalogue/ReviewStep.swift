import Standards
/// The review steps a draft passes, in order (the catalogue standard's 审核 chain). 科室审核 and
/// 部门审核 happen at the drafting node's district (at the city for a city department's draft);
/// 主管部门审核 at the city, which then assigns identifiers and publishes.
public enum ReviewStep: String, Sendable, CaseIterable, Codable {
    case section
    case department
    case authority

    /// The role an operator needs for this step.
    public var role: String { rawValue + "_reviewer" }

    public var labelZh: String {
        switch self {
        case .section: return "科室审核"
        case .department: return "部门审核"
        case .authority: return "主管部门审核"
        }
    }

    public var roleZh: String { labelZh + "员" }

    /// Roles operators may be granted (by English name or Chinese title).
    public static func step(forRole text: String) -> ReviewStep? {
        allCases.first { $0.role == text || $0.roleZh == text || $0.rawValue == text }
    }

    /// The node that performs this step for a draft written at `author`. Codes: city `xxxx00`,
    /// district 6 digits, street 9, community 12.
    public func reviewer(forAuthor author: String) -> String {
        let city = DivisionCode.prefecture(of: author)
        switch self {
        case .authority: return city
        case .section, .department: return author.count >= 6 && author != city ? String(author.prefix(6)) : city
        }
    }
}
