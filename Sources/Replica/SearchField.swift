import Catalogue
import JSON

/// What a record search looks in. Which fields of a resource each one covers follows from the
/// catalogue (`SearchIndex.fields(of:)`), so a new resource or item is searchable without code.
public enum SearchField: String, Sendable, CaseIterable {
    /// The resource's key (公民身份号码 of a person, 房屋编码 of a house): exact or leading part.
    case key
    /// The item named `name` (姓名, 企业名称, 场所名称): its leading characters.
    case name
    /// Citizen ID items other than the key (产权人身份号码): exact or leading part.
    case idNumber = "id_number"
    /// Items named `address`, `location` or `…_address`: any 3 or more consecutive characters.
    case address
    /// Items checked as phone numbers: their leading digits.
    case phone
    /// Tag items: one tag, exactly.
    case tag
    /// The scope item (所属社区): a division code or its leading part (a street's 9 digits).
    case community
}

/// One page of a search.
public struct RecordSearch: Sendable, Equatable {
    public var resource: String
    public var field: SearchField
    public var text: String
    /// Records skipped (page × page size).
    public var offset: Int
    public var limit: Int

    public static let maxLimit = 100
    /// The deepest a search pages: far enough for any clerk, bounded for the database.
    public static let maxOffset = 100_000
    /// Trigram search needs this many characters.
    public static let minAddressCharacters = 3

    public init(resource: String, field: SearchField, text: String, offset: Int = 0, limit: Int = 20) {
        self.resource = resource
        self.field = field
        self.text = text
        self.offset = offset
        self.limit = limit
    }
}

/// The records found, in a stable order, and whether there are more after them.
public struct SearchPage: Sendable, Equatable {
    public var records: [JSONObject]
    public var hasMore: Bool
}
