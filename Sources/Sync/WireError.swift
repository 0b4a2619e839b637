/// A message from a peer that does not follow the protocol.
public struct WireError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "protocol error: \(message)" }
}
