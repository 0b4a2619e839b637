import Standards

/// 信息类: one kind of record (person, house, …) with its table, key, scope, fields and groups.
public struct Resource: Sendable, Equatable {
    /// Table name and resource name in commands and URLs.
    public let name: String
    public let label: String
    public let key: String
    /// The field holding the division code that decides which nodes hold a record.
    public let scope: String
    public let share: ShareType
    /// The standard's metadata (identifier, provider, share condition, update cycle, …).
    public let meta: ResourceMetadata
    public let existenceAuthority: DivisionLevel?
    public let fields: [DataItem]
    public let groups: [FieldGroup]
    public let rules: [RecordRule]
    /// Field name → position in `fields`: every write looks fields up by name, once per value.
    private let positions: [String: Int]

    public init(name: String, label: String, key: String, scope: String, share: ShareType, meta: ResourceMetadata,
                existenceAuthority: DivisionLevel?, fields: [DataItem], groups: [FieldGroup], rules: [RecordRule] = []) {
        self.name = name
        self.label = label
        self.key = key
        self.scope = scope
        self.share = share
        self.meta = meta
        self.existenceAuthority = existenceAuthority
        self.fields = fields
        self.groups = groups
        self.rules = rules
        self.positions = Dictionary(fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func field(_ name: String) -> DataItem? { positions[name].map { fields[$0] } }

    /// The position of a field in `fields` (the column order of the resource's table).
    public func position(of name: String) -> Int? { positions[name] }

    /// A field by its name or its Chinese label (CSV headers may use either).
    public func field(nameOrLabel text: String) -> DataItem? {
        fields.first { $0.name == text } ?? fields.first { $0.label == text }
    }

    public func group(containing field: String) -> FieldGroup? { groups.first { $0.fields.contains(field) } }
    public func group(_ name: String) -> FieldGroup? { groups.first { $0.name == name } }
}

/// A rule across fields of one record.
public enum RecordRule: Sendable, Equatable {
    /// Sex and birth date must agree with the citizen ID number.
    case idAgrees(id: String, sex: String?, birthDate: String?)
}
