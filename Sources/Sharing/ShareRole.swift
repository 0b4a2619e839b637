/// The sharing roles a department names (聚通用 rules art. 38). Granted to named operators on one
/// node with `rootsync catalogue grant --role`, kept beside the catalogue review roles.
public enum ShareRole: String, Sendable, CaseIterable {
    /// 数据管理员: decides the data requests addressed to this node (approve, reject, revoke).
    case dataAdmin = "data_admin"

    public var role: String { rawValue }

    public var roleZh: String {
        switch self {
        case .dataAdmin: "数据管理员"
        }
    }

    /// A role by its English name or Chinese title.
    public init?(text: String) {
        guard let r = Self.allCases.first(where: { $0.rawValue == text || $0.roleZh == text }) else { return nil }
        self = r
    }
}
