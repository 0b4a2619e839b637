import Foundation

/// A request as far as it is known when its headers are complete and no body byte has been
/// read: what the server's admission step decides on, so a refused request costs no body memory.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// URL path, percent-decoded (and checked: no NUL or control characters, valid UTF-8).
    public var path: String
    /// URL path exactly as sent, still percent-encoded: routers that split on "/" decode each
    /// segment themselves, so "%2F" stays inside a segment.
    public var rawPath: String
    public var queryItems: [URLQueryItem]
    public var headers: HTTPHeaders
    public var remoteAddress: String
    public var clientCertificateCN: String?

    public init(method: String, path: String, rawPath: String? = nil, queryItems: [URLQueryItem] = [],
                headers: HTTPHeaders = HTTPHeaders(), remoteAddress: String = "", clientCertificateCN: String? = nil) {
        self.method = method
        self.path = path
        self.rawPath = rawPath ?? path
        self.queryItems = queryItems
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.clientCertificateCN = clientCertificateCN
    }
}
