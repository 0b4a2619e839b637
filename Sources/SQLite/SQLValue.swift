/// A value as SQLite stores it: the five storage classes.
public enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return "<\(v.count) bytes>"
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as text the way SQLite would cast it; nil for NULL.
    public var textValue: String? {
        switch self {
        case .null: return nil
        case .text(let v): return v
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let v): return String(decoding: v, as: UTF8.self)
        }
    }

    public var integerValue: Int64? {
        switch self {
        case .integer(let v): return v
        case .real(let v): return Int64(exactly: v.rounded(.towardZero))
        case .text(let v): return Int64(v)
        default: return nil
        }
    }
}
