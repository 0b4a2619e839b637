import JSON

/// One addition of a tag: the tag and the dot of the version that added it. A removal removes
/// only the additions its writer had seen, so a concurrent addition survives (add-wins).
public struct TagElement: Hashable, Comparable, Sendable {
    public let tag: String
    public let dot: Dot

    public init(tag: String, dot: Dot) {
        self.tag = tag
        self.dot = dot
    }

    public static func < (a: TagElement, b: TagElement) -> Bool { a.tag != b.tag ? a.tag < b.tag : a.dot < b.dot }

    public var json: JSONValue { [.string(tag), .string(dot.actor.description), .int(dot.seq)] }

    public init(json: JSONValue) throws {
        guard let a = json.arrayValue, a.count == 3, let tag = a[0].stringValue,
              let actor = a[1].stringValue.flatMap(Actor.init), let seq = a[2].int64Value, Dot.isValidSeq(seq) else {
            throw CausalityError.malformed("tag element must be [tag, actor, seq]")
        }
        self.init(tag: tag, dot: Dot(actor: actor, seq: seq))
    }

    /// Decodes a tag field's stored elements.
    public static func decode(_ value: JSONValue?) throws -> [TagElement] {
        guard let value, !value.isNull else { return [] }
        guard let a = value.arrayValue else { throw CausalityError.malformed("tag field must be an array") }
        return try a.map(TagElement.init(json:))
    }

    public static func encode(_ elements: [TagElement]) -> JSONValue { .array(elements.sorted().map(\.json)) }
}
