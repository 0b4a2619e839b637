/// Data types of catalogue data items (信息项数据类型), written as one letter in format strings.
///
/// The letters come from the local catalogue standard; keeping them as raw values lets a
/// format such as `N..15,2` be read back into a type without a lookup table.
public enum ItemType: String, Sendable, Hashable, Codable, CaseIterable {
    case string = "C"
    case numeric = "N"
    case currency = "Y"
    case date = "D"
    case dateTime = "T"
    case logical = "L"
    case memo = "M"
    case general = "G"
    case double = "B"
    case integer = "I"
    case float = "F"

    public var letter: String { rawValue }

    public var nameZh: String {
        switch self {
        case .string: "字符串"
        case .numeric: "数值"
        case .currency: "货币"
        case .date: "日期"
        case .dateTime: "日期时间"
        case .logical: "逻辑"
        case .memo: "备注"
        case .general: "通用"
        case .double: "双精度"
        case .integer: "整型"
        case .float: "浮点"
        }
    }

    /// Types whose length counts digits of a number rather than characters.
    public var isNumber: Bool {
        switch self {
        case .numeric, .currency, .double, .integer, .float: true
        default: false
        }
    }
}
