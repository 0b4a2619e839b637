/// The administrative level a division code names, from province down to community.
///
/// rootsync syncs between these levels (city hub, district, street, community), so the level
/// decides which node a record belongs to.
public enum DivisionLevel: String, Sendable, Hashable, Codable, CaseIterable {
    /// 省级: `XX0000`.
    case province
    /// 地级 (prefecture, the rootsync hub): `XXXX00`.
    case city
    /// 县级 (district, county, banner): any other 6-digit code.
    case district
    /// 乡级 (street, town, township, sumu): 9 digits.
    case street
    /// 村级 (community or village committee): 12 digits.
    case community

    public var nameZh: String {
        switch self {
        case .province: "省级"
        case .city: "地级（市）"
        case .district: "县级（区、县、旗）"
        case .street: "乡级（街道、镇、乡、苏木）"
        case .community: "村级（社区、村）"
        }
    }
}
