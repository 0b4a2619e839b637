import JSON
import Standards

/// A quality check (数据质量校核), as its `disputed` event carries it: a record's field group
/// flagged as wrong, with the values expected. The record's scope, as the raising node held it,
/// decides which node is authoritative for the group (the event's target).
public struct Dispute: Sendable, Equatable {
    public var resource: String
    public var key: String
    public var group: String
    /// The values the raiser expects, item by item (items of `group` only).
    public var expected: JSONObject
    public var scope: String
    /// Set when a consumer raised it (through the feed's API), with the grant it came under.
    public var consumer: String?
    public var grant: String?

    public init(resource: String, key: String, group: String, expected: JSONObject, scope: String,
                consumer: String? = nil, grant: String? = nil) {
        self.resource = resource
        self.key = key
        self.group = group
        self.expected = expected
        self.scope = scope
        self.consumer = consumer
        self.grant = grant
    }

    public var json: JSONValue {
        var o: JSONObject = ["resource": .string(resource), "key": .string(key), "group": .string(group),
                             "expected": .object(expected), "scope": .string(scope)]
        if let consumer { o["consumer"] = .string(consumer) }
        if let grant { o["grant"] = .string(grant) }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        func bad(_ field: String) -> ShareError { .invalid(field, "校核的 \(field) 缺失或不正确", "the dispute's \(field) is missing or malformed") }
        guard let resource = json["resource"]?.stringValue, !resource.isEmpty, resource.utf8.count <= 64 else { throw bad("resource") }
        guard let key = json["key"]?.stringValue, !key.isEmpty, key.utf8.count <= 200 else { throw bad("key") }
        guard let group = json["group"]?.stringValue, !group.isEmpty, group.utf8.count <= 64 else { throw bad("group") }
        guard let expected = json["expected"]?.objectValue, !expected.isEmpty else { throw bad("expected") }
        guard let scope = json["scope"]?.stringValue, DivisionCode.level(ofShape: scope) != nil else { throw bad("scope") }
        self.init(resource: resource, key: key, group: group, expected: expected, scope: scope,
                  consumer: json["consumer"]?.stringValue, grant: json["grant"]?.stringValue)
    }
}
