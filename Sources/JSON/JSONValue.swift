/// A JSON value that keeps object keys in the order they were written, so CLI output, exported
/// records and wire batches are stable and readable. Numbers keep their source text when parsed,
/// so an ID-like number or a decimal such as 85.50 is never rounded through Double.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as its JSON text (e.g. "42", "-3.5e2").
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func int<I: BinaryInteger>(_ v: I) -> JSONValue { .number(String(v)) }
    public static func double(_ v: Double) -> JSONValue {
        v.isFinite ? .number(v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)) : .null
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var isNull: Bool { self == .null }
    public var int64Value: Int64? {
        if case .number(let n) = self { return Int64(n) } else { return nil }
    }
    public var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) } else { return nil }
    }

    /// The JSON type's name, for error messages ("expected a string, found an array").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Compact JSON text.
    public var text: String {
        var out: [UInt8] = []
        JSONWriter.write(self, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// A JSON object with ordered keys. Duplicate keys are rejected by the parser.
public struct JSONObject: Sendable, Equatable, Sequence {
    public private(set) var pairs: [(key: String, value: JSONValue)] = []

    public init() {}
    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var keys: [String] { pairs.map(\.key) }
    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { pairs.first(where: { $0.key == key })?.value }
        set {
            if let i = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue { pairs[i].value = newValue } else { pairs.remove(at: i) }
            } else if let newValue {
                pairs.append((key, newValue))
            }
        }
    }

    /// Appends without checking for an existing key: for builders that know keys are new.
    public mutating func append(_ key: String, _ value: JSONValue) { pairs.append((key, value)) }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { pairs.makeIterator() }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
