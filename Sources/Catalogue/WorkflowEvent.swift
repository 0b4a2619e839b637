import JSON

/// One step of the catalogue workflow: a draft written, a review decided, a version published.
/// Events are immutable and carry a globally unique id (`node-n`), so nodes exchange them as a
/// growing set: no conflicts, duplicates are ignored. Drafts travel up to the city; every event
/// of a draft travels back down to the node that wrote it.
public struct WorkflowEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case drafted, reviewed, published }

    public let id: String
    public let draft: String
    /// The node where the draft was written (decides where its events travel).
    public let author: String
    /// The node where this event happened, and the operator who acted.
    public let node: String
    public let `operator`: String
    /// UTC, ISO 8601.
    public let at: String
    public let kind: Kind
    public let step: ReviewStep?
    public let approved: Bool?
    public let comment: String?
    /// The draft itself (drafted events).
    public let body: CatalogueDraft?
    /// The published catalogue version and the identifiers assigned (published events).
    public let version: Int?
    public let identifiers: [String: String]

    public init(id: String, draft: String, author: String, node: String, operator: String, at: String, kind: Kind,
                step: ReviewStep? = nil, approved: Bool? = nil, comment: String? = nil, body: CatalogueDraft? = nil,
                version: Int? = nil, identifiers: [String: String] = [:]) {
        self.id = id
        self.draft = draft
        self.author = author
        self.node = node
        self.operator = `operator`
        self.at = at
        self.kind = kind
        self.step = step
        self.approved = approved
        self.comment = comment
        self.body = body
        self.version = version
        self.identifiers = identifiers
    }

    public var json: JSONValue {
        var o: JSONObject = ["id": .string(id), "draft": .string(draft), "author": .string(author), "node": .string(node),
                             "operator": .string(`operator`), "at": .string(at), "kind": .string(kind.rawValue)]
        if let step { o["step"] = .string(step.rawValue); o["step_zh"] = .string(step.labelZh) }
        if let approved { o["decision"] = .string(approved ? "approve" : "reject") }
        if let comment { o["comment"] = .string(comment) }
        if let body { o["body"] = body.json }
        if let version { o["version"] = .int(version) }
        if !identifiers.isEmpty {
            var ids = JSONObject()
            for (k, v) in identifiers.sorted(by: { $0.key < $1.key }) { ids[k] = .string(v) }
            o["identifiers"] = .object(ids)
        }
        return .object(o)
    }

    static func isNodeCode(_ s: String) -> Bool { (6...12).contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber } }

    /// Reads an event from the wire or the database, refusing anything malformed.
    public init(json: JSONValue) throws {
        func text(_ k: String, max: Int = 200) throws -> String {
            guard let s = json[k]?.stringValue, !s.isEmpty, s.count <= max else { throw CatalogueError(["workflow event: \(k) is missing or too long"]) }
            return s
        }
        let kindText = try text("kind")
        guard let kind = Kind(rawValue: kindText) else { throw CatalogueError(["workflow event: unknown kind \(kindText)"]) }
        let author = try text("author"), node = try text("node")
        guard Self.isNodeCode(author), Self.isNodeCode(node) else { throw CatalogueError(["workflow event: author and node must be node codes"]) }
        var step: ReviewStep?
        var approved: Bool?
        var body: CatalogueDraft?
        switch kind {
        case .drafted:
            guard let b = json["body"] else { throw CatalogueError(["workflow event: a drafted event carries the draft"]) }
            body = try CatalogueDraft(json: b)
        case .reviewed:
            guard let s = json["step"]?.stringValue.flatMap(ReviewStep.init(rawValue:)) else { throw CatalogueError(["workflow event: bad review step"]) }
            guard let d = json["decision"]?.stringValue, d == "approve" || d == "reject" else { throw CatalogueError(["workflow event: decision must be approve or reject"]) }
            step = s
            approved = d == "approve"
        case .published:
            guard json["version"]?.int64Value != nil else { throw CatalogueError(["workflow event: a published event names its version"]) }
        }
        var ids: [String: String] = [:]
        for (k, v) in json["identifiers"]?.objectValue ?? JSONObject() { ids[k] = v.stringValue ?? "" }
        let comment = json["comment"]?.stringValue
        if let comment, comment.count > 2000 { throw CatalogueError(["workflow event: comment too long"]) }
        self.init(id: try text("id", max: 40), draft: try text("draft", max: 40), author: author, node: node,
                  operator: try text("operator", max: 100), at: try text("at", max: 40), kind: kind, step: step,
                  approved: approved, comment: comment, body: body, version: json["version"]?.int64Value.map { Int($0) },
                  identifiers: ids)
    }
}
