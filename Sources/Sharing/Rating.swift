import JSON

/// 数据使用评价: a consumer's marks for a grant, 1 to 5 for the data's quality and for the
/// provider's responsiveness, with a comment; they count in the yearly review (the city's
/// per-provider figures, `ShareFigures`).
public struct Rating: Sendable, Equatable {
    public let quality: Int
    public let responsiveness: Int
    public let comment: String?
    public let at: String
    public let node: String
    public let `operator`: String

    public init(quality: Int, responsiveness: Int, comment: String?, at: String, node: String, operator: String) {
        self.quality = quality
        self.responsiveness = responsiveness
        self.comment = comment
        self.at = at
        self.node = node
        self.operator = `operator`
    }

    /// Checks the marks: whole numbers from 1 to 5.
    public static func check(quality: Int, responsiveness: Int) throws {
        for (field, n) in [("quality", quality), ("responsiveness", responsiveness)] where !(1...5).contains(n) {
            throw ShareError.invalid(field, "评分 \(field) 应为 1 到 5 的整数，而不是 \(n)", "\(field) must be a whole number from 1 to 5, not \(n)")
        }
    }

    /// The payload of a `rated` event.
    public static func payload(quality: Int, responsiveness: Int) -> JSONValue {
        ["quality": .int(quality), "responsiveness": .int(responsiveness)]
    }

    public init(json: JSONValue, comment: String?, at: String, node: String, operator: String) throws {
        guard let q = json["quality"]?.int64Value, let r = json["responsiveness"]?.int64Value,
              (1...5).contains(q), (1...5).contains(r) else {
            throw ShareError.invalid("quality", "评价的评分应为 1 到 5", "a rating's marks must be 1 to 5")
        }
        self.init(quality: Int(q), responsiveness: Int(r), comment: comment, at: at, node: node, operator: `operator`)
    }
}
