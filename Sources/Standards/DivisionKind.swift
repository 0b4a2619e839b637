/// What kind of unit a township or village part of a statistical division code denotes.
///
/// The NBS statistical code reserves number ranges per kind (township part: 001–099 街道,
/// 100–199 镇, 200–399 乡/苏木, 400–599 development zones; village part: 001–199 居委会/社区,
/// 200–399 村委会), so the kind can be read from the code even when the name is unknown.
public enum DivisionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case subdistrict
    case town
    case township
    case developmentZone
    case residentsCommittee
    case villagersCommittee

    public var nameZh: String {
        switch self {
        case .subdistrict: "街道"
        case .town: "镇"
        case .township: "乡/苏木"
        case .developmentZone: "开发区等类似乡级单位"
        case .residentsCommittee: "居委会/社区"
        case .villagersCommittee: "村委会"
        }
    }

    /// Kind of a township part (digits 7–9), nil outside the ranges the scheme assigns.
    public static func ofTownship(_ number: Int) -> DivisionKind? {
        switch number {
        case 1...99: .subdistrict
        case 100...199: .town
        case 200...399: .township
        case 400...599: .developmentZone
        default: nil
        }
    }

    /// Kind of a village part (digits 10–12), nil outside the ranges the scheme assigns.
    public static func ofVillage(_ number: Int) -> DivisionKind? {
        switch number {
        case 1...199: .residentsCommittee
        case 200...399: .villagersCommittee
        default: nil
        }
    }
}
