import JSON

/// An HTTP exchange through the system curl: the status (0 when no connection could be made)
/// and the body.
public struct CurlResult: Sendable {
    public let status: Int
    public let body: String
    public var json: JSONValue? { try? JSONParser.parse(body) }
}
