import JSON

/// One step of a workflow: a catalogue draft written, a review decided, a version published; or,
/// for sharing (用, issue 16), a data request made, decided or revoked, a grant rated, a quality
/// check (校核) raised or answered. Events are immutable and carry a globally unique id
/// (`node-n`), so nodes exchange them as a growing set: no conflicts, duplicates are ignored.
/// Every event travels up to the city; every event of a thread (a draft, a request, a dispute)
/// travels back down to the node that started it (`author`) and to the node that must act on it
/// (`target`: the provider that decides a request, the level authoritative for a disputed group).
public struct WorkflowEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case drafted, reviewed, published
        /// Sharing: a data request (数据需求申请), its decision, a grant withdrawn, a rating (评价).
        case requested, decided, revoked, rated
        /// Sharing: a quality check (数据质量校核) raised and answered.
        case disputed, answered

        /// The catalogue's own kinds (drafts, reviews, publications).
        public var isCatalogue: Bool { self == .drafted || self == .reviewed || self == .published }
        /// The sharing kinds, whose content is in `payload` (module Sharing reads it).
        public var isSharing: Bool { !isCatalogue }
        /// Kinds that start a thread (their id is the thread's id).
        public var startsThread: Bool { self == .drafted || self == .requested || self == .disputed }
    }

    /// The largest payload a sharing event may carry, in bytes of JSON text.
    public static let maxPayloadBytes = 32 * 1024

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
    /// Sharing events: the node that must act on the thread (decide the request, answer the dispute).
    public let target: String?
    /// Sharing events: what the event says (a request, a dispute, an answer, a rating), an object.
    public let payload: JSONValue?

    /// The thread the event belongs to (a draft's, a request's or a dispute's id).
    public var thread: String { draft }

    public init(id: String, draft: String, author: String, node: String, operator: String, at: String, kind: Kind,
                step: ReviewStep? = nil, approved: Bool? = nil, comment: String? = nil, body: CatalogueDraft? = nil,
                version: Int? = nil, identifiers: [String: String] = [:], target: String? = nil, payload: JSONValue? = nil) {
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
        self.target = target
        self.payload = payload
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
        if let target { o["target"] = .string(target) }
        if let payload { o["payload"] = payload }
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
        case .decided:
            guard let d = json["decision"]?.stringValue, d == "approve" || d == "reject" else { throw CatalogueError(["workflow event: decision must be approve or reject"]) }
            approved = d == "approve"
        case .requested, .revoked, .rated, .disputed, .answered:
            break
        }
        var target: String?
        var payload: JSONValue?
        if kind.isSharing {
            guard let t = json["target"]?.stringValue, Self.isNodeCode(t) else { throw CatalogueError(["workflow event: a sharing event names its target node"]) }
            guard let p = json["payload"], p.objectValue != nil, p.text.utf8.count <= Self.maxPayloadBytes else {
                throw CatalogueError(["workflow event: a sharing event carries a payload object of at most \(Self.maxPayloadBytes) bytes"])
            }
            target = t
            payload = p
        }
        var ids: [String: String] = [:]
        for (k, v) in json["identifiers"]?.objectValue ?? JSONObject() { ids[k] = v.stringValue ?? "" }
        let comment = json["comment"]?.stringValue
        if let comment, comment.count > 2000 { throw CatalogueError(["workflow event: comment too long"]) }
        self.init(id: try text("id", max: 40), draft: try text("draft", max: 40), author: author, node: node,
                  operator: try text("operator", max: 100), at: try text("at", max: 40), kind: kind, step: step,
                  approved: approved, comment: comment, body: body, version: json["version"]?.int64Value.map { Int($0) },
                  identifiers: ids, target: target, payload: payload)
    }
}
