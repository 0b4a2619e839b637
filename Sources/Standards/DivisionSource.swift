/// Which list a 6-digit code in the division table comes from, and so where it may be used.
///
/// Records carry more than the codes GB/T 2260 lists: registering offices use NBS statistical
/// codes and 市辖区 grouping codes, early ID numbers carry 市辖区 codes, and residence permits of
/// Taiwan residents carry 830000. Keeping the source lets a check accept them and still say what
/// they are.
public enum DivisionSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// An MCA GB/T 2260 list of some year, or the current list.
    case gbt2260
    /// Only NBS 统计用区划代码 lists (e.g. the 大兴安岭 districts of 2018, development zones).
    case stats
    /// A 市辖区 grouping code (XXXX01): no division of its own, but printed on ID numbers issued
    /// before a city had districts and used by registering offices in credit codes.
    case grouping
    /// 830000: residence permits of Taiwan residents (港澳台居民居住证, 2018).
    case permit

    public var nameZh: String {
        switch self {
        case .gbt2260: "GB/T 2260 代码"
        case .stats: "统计用区划代码（国家统计局）"
        case .grouping: "市辖区归类代码"
        case .permit: "台湾居民居住证地址码"
        }
    }
}
