/// 使用要求: what a consumer will use the data for, as the catalogue standard names the uses. The
/// purpose decides whether ID numbers and phones reach the consumer whole: an administrative act,
/// a check of the data itself or joint casework needs the person exactly; work reference
/// (statistics, planning, briefings) does not, so it gets them masked.
public enum SharePurpose: String, Sendable, CaseIterable {
    /// 作为行政依据.
    case administrativeBasis = "administrative_basis"
    /// 作为工作参考.
    case workReference = "work_reference"
    /// 用于数据校核.
    case dataCheck = "data_check"
    /// 用于业务协同.
    case businessCollaboration = "business_collaboration"

    public var labelZh: String {
        switch self {
        case .administrativeBasis: "行政依据"
        case .workReference: "工作参考"
        case .dataCheck: "数据校核"
        case .businessCollaboration: "业务协同"
        }
    }

    /// Whether ID numbers and phones are delivered unmasked under this purpose.
    public var revealsIdentifiers: Bool { self != .workReference }

    /// A purpose by its Chinese label or its English name.
    public init?(text: String) {
        guard let p = Self.allCases.first(where: { $0.labelZh == text || $0.rawValue == text }) else { return nil }
        self = p
    }

    public static var choices: String { allCases.map { "\($0.labelZh)/\($0.rawValue)" }.joined(separator: "、") }
}
