/// What a division code's shape alone says, without the table: its level, the prefix every code
/// beneath it starts with, and the code of the node above it in rootsync's hierarchy (community →
/// street → district → city). The one place this rule lives: node identities, jurisdictions,
/// topologies, the chaos harness and the bench all ask here.
extension DivisionCode {
    /// 12 digits a community, 9 a street, 6 ending in 0000 a province, in 00 a prefecture (the
    /// city hub), any other 6 a district. Nil for any other length.
    public static func level<S: StringProtocol>(ofShape code: S) -> DivisionLevel? {
        switch code.utf8.count {
        case 12: return .community
        case 9: return .street
        case 6: return sixDigitLevel(String(code))
        default: return nil
        }
    }

    /// The level of a six-digit code: `XX0000` province, `XXXX00` prefecture, otherwise county.
    public static func sixDigitLevel(_ code: String) -> DivisionLevel {
        if code.hasSuffix("0000") { return .province }
        if code.hasSuffix("00") { return .city }
        return .district
    }

    /// The prefix shared by every code beneath `code`, itself included: a province its first two
    /// digits, a prefecture its first four, anything lower the whole code.
    public static func subtreePrefix(_ code: String) -> String {
        switch level(ofShape: code) {
        case .province?: String(code.prefix(2))
        case .city?: String(code.prefix(4))
        default: code
        }
    }

    /// The prefecture (city hub) a code lies in: its first four digits and 00.
    public static func prefecture(of code: String) -> String { String(code.prefix(4)) + "00" }

    /// The node directly above `code` in the sync hierarchy: a community's street, a street's
    /// district, a district's city. Nil for a city or province, and for a malformed code.
    public static func hierarchyParent(of code: String) -> String? {
        switch level(ofShape: code) {
        case .community?: String(code.prefix(9))
        case .street?: String(code.prefix(6))
        case .district?: prefecture(of: code)
        default: nil
        }
    }
}
