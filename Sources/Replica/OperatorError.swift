/// Why an operator account operation was refused. Nothing was written.
public enum OperatorError: Error, Equatable, CustomStringConvertible {
    case invalidName(zh: String, en: String)
    case duplicate(String)
    case unknown(String)
    case unknownRole(String)
    case weakPassword(zh: String, en: String)
    /// The stored password is in a form this release cannot check (a damaged or foreign row).
    case unreadablePassword(String)

    /// The field (command-line argument or option) the refusal is about.
    public var field: String {
        switch self {
        case .invalidName, .duplicate, .unknown: "name"
        case .unknownRole: "role"
        case .weakPassword, .unreadablePassword: "password"
        }
    }

    public var messageZh: String {
        switch self {
        case .invalidName(let zh, _): "操作员名称（字段 name）无效：\(zh)"
        case .duplicate(let n): "已有名为“\(n)”的操作员（字段 name）；改密码用 rootsync operator passwd"
        case .unknown(let n): "没有名为“\(n)”的操作员（字段 name）；rootsync operator list 列出本节点的操作员"
        case .unknownRole(let r): "角色（字段 role）“\(r)”不存在，应为 clerk（办事员）、reviewer（审核员）或 administrator（管理员）"
        case .weakPassword(let zh, _): "密码（字段 password）不符合要求：\(zh)"
        case .unreadablePassword(let n): "操作员“\(n)”保存的密码无法识别（字段 password）；请用 rootsync operator passwd 重设"
        }
    }

    public var description: String {
        switch self {
        case .invalidName(_, let en): "invalid operator name (field name): \(en)"
        case .duplicate(let n): "an operator named '\(n)' (field name) already exists; rootsync operator passwd changes a password"
        case .unknown(let n): "no operator named '\(n)' (field name); rootsync operator list shows this node's operators"
        case .unknownRole(let r): "unknown role '\(r)' (field role); use clerk, reviewer or administrator"
        case .weakPassword(_, let en): "the password (field password) is not acceptable: \(en)"
        case .unreadablePassword(let n): "the stored password of operator '\(n)' (field password) is in an unknown form; set it again with rootsync operator passwd"
        }
    }
}
