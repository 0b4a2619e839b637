import Standards

/// 信息项: one field of a resource, with its catalogue format, code set and standard check.
public struct DataItem: Sendable, Equatable {
    public enum Kind: String, Sendable { case value, tags }
    /// A national-standard check beyond the format.
    public enum Check: String, Sendable, CaseIterable {
        case citizenID = "citizen_id"
        case uscc
        case division
        case phone
    }

    /// The stable field name: SQL column and JSON key.
    public let name: String
    /// The Chinese label (CSV headers, UI).
    public let label: String
    public let format: ItemFormat
    public let codeSet: String?
    public let check: Check?
    public let required: Bool
    public let kind: Kind
    /// The 数据元 this item follows, if any (6-digit code).
    public let element: String?

    public init(name: String, label: String, format: ItemFormat, codeSet: String? = nil,
                check: Check? = nil, required: Bool = false, kind: Kind = .value, element: String? = nil) {
        self.name = name
        self.label = label
        self.format = format
        self.codeSet = codeSet
        self.check = check
        self.required = required
        self.kind = kind
        self.element = element
    }

    /// The SQLite column type: numbers are stored as numbers so plain SQL can compute with them.
    public var sqlType: String {
        if kind == .tags { return "TEXT" }
        switch format.type {
        case .integer: return "INTEGER"
        case .numeric, .currency: return format.fractionDigits ?? 0 > 0 ? "NUMERIC" : "INTEGER"
        case .double, .float: return "REAL"
        case .logical: return "INTEGER"
        default: return "TEXT"
        }
    }
}
