/// Why a sharing operation was refused: bilingual, naming the field at fault, with a kind that
/// says how the refusal is answered (the CLI's exit code, the API's HTTP status).
public struct ShareError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The input is wrong (422).
        case invalid
        /// The operator, node or consumer may not do this (403).
        case forbidden
        /// No such request, dispute or record (404).
        case notFound
        /// Not in a state that allows it: already decided, closed, expired (409).
        case conflict
    }

    public let kind: Kind
    public let field: String
    public let messageZh: String
    public let messageEn: String

    public init(_ kind: Kind, field: String, _ zh: String, _ en: String) {
        self.kind = kind
        self.field = field
        messageZh = zh
        messageEn = en
    }

    public static func invalid(_ field: String, _ zh: String, _ en: String) -> ShareError { ShareError(.invalid, field: field, zh, en) }
    public static func forbidden(_ field: String, _ zh: String, _ en: String) -> ShareError { ShareError(.forbidden, field: field, zh, en) }
    public static func notFound(_ field: String, _ zh: String, _ en: String) -> ShareError { ShareError(.notFound, field: field, zh, en) }
    public static func conflict(_ field: String, _ zh: String, _ en: String) -> ShareError { ShareError(.conflict, field: field, zh, en) }

    public var description: String { messageEn }
}
