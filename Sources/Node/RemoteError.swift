/// An error answer from the peer, with its bilingual message.
public struct RemoteError: Error, CustomStringConvertible, Equatable {
    public let status: Int
    public let messageZh: String
    public let messageEn: String
    public var description: String { "parent answered \(status): \(messageEn)" }
}
