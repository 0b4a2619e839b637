import Causality

/// An error answer from the peer, with its bilingual message.
public struct RemoteError: Error, CustomStringConvertible, Equatable {
    public let status: Int
    public let messageZh: String
    public let messageEn: String
    /// The one version of a push the parent refused the batch for, when it named one.
    public var refused: Dot? = nil
    public var description: String { "parent answered \(status): \(messageEn)" }
}
