import Standards

/// 信息资源代码: the identifier the city assigns when a resource's last review passes.
///
/// `前段码/后段码`: 类 (1 digit: 1 基础, 2 主题, 3 部门) + 项 (2) + 目 (3), then `/`, then 细目 — the
/// provider's division code (6) and unit code (9, positions 9–17 of its USCC) — and a 6-digit
/// 顺序码 unique within the provider. Example: `101001/150600011517013000001`.
public struct ResourceIdentifier: Sendable, Hashable, CustomStringConvertible {
    public let category: String
    public let division: String
    public let unit: String
    public let sequence: Int

    public init(category: String, division: String, unit: String, sequence: Int) {
        self.category = category
        self.division = division
        self.unit = unit
        self.sequence = sequence
    }

    /// The identifier for a provider (its USCC) and a sequence number.
    public init?(category: String, providerCode: String, sequence: Int) {
        guard providerCode.count == 18, sequence >= 1, sequence <= 999_999 else { return nil }
        let chars = Array(providerCode)
        self.init(category: category, division: String(chars[2..<8]), unit: String(chars[8..<17]), sequence: sequence)
    }

    public var description: String {
        let seq = String(sequence)
        return "\(category)/\(division)\(unit)\(String(repeating: "0", count: 6 - seq.count))\(seq)"
    }

    /// Reads an identifier's parts without judging them (see `problems`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 6, parts[1].count == 21 else { return nil }
        let back = Array(parts[1])
        guard let seq = Int(String(back[15...])), back[15...].allSatisfy(\.isASCII) else { return nil }
        self.init(category: String(parts[0]), division: String(back[0..<6]), unit: String(back[6..<15]), sequence: seq)
    }

    /// Whether `category` is a valid 前段码: 类 1–3, then 项 and 目 as digits.
    public static func isCategory(_ text: String) -> Bool {
        text.count == 6 && text.allSatisfy { $0.isASCII && $0.isNumber } && "123".contains(text.first!)
    }

    /// Every reason `text` is not a valid identifier for this provider and category.
    public static func problems(_ text: String, category: String?, providerCode: String?, divisions: DivisionTable) -> [String] {
        guard let id = ResourceIdentifier(text) else {
            return ["identifier \(text) must look like 101001/150600011517013000001: 6-digit 前段码 (类+项+目), '/', 6-digit division code, 9-character unit code, 6-digit 顺序码"]
        }
        var out: [String] = []
        if !isCategory(id.category) { out.append("identifier \(text): 前段码 \(id.category) must be 类 (1 基础, 2 主题, 3 部门) + 项 (2 digits) + 目 (3 digits)") }
        if let category, category != id.category { out.append("identifier \(text) does not begin with the resource's category \(category)") }
        if !divisions.contains(id.division) { out.append("identifier \(text): \(id.division) is not a GB/T 2260 division code") }
        let body = String(id.unit.prefix(8))
        if id.unit.count != 9 || CreditCode.organizationCheckCharacter(for: body).map({ String($0) != String(id.unit.last!) }) ?? true {
            out.append("identifier \(text): unit code \(id.unit) is not a valid GB 11714 organization code")
        }
        if !(1...999_999).contains(id.sequence) || !text.hasSuffix(String(format6(id.sequence))) {
            out.append("identifier \(text): 顺序码 must be 000001–999999")
        }
        if let providerCode, let expected = ResourceIdentifier(category: id.category, providerCode: providerCode, sequence: 1),
           expected.division != id.division || expected.unit != id.unit {
            out.append("identifier \(text): 细目 must be the provider's division and unit code \(expected.division)\(expected.unit) (from its credit code \(providerCode))")
        }
        return out
    }

    static func format6(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }
}
