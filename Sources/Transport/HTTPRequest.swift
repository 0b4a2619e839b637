import Foundation

/// A fully received request as a handler sees it.
///
/// `body` is already gzip-decoded when the peer sent `Content-Encoding: gzip`; `headers`
/// are kept exactly as received, so handlers can still see how the body travelled.
public struct HTTPRequest: Sendable {
    public var method: String
    /// URL path, percent-decoded and checked by the server (no NUL or control characters,
    /// valid UTF-8), without the query string.
    public var path: String
    /// The path as sent, still percent-encoded (see `HTTPRequestHead.rawPath`).
    public var rawPath: String
    /// Query arguments in order, percent-decoded; a bare `?flag` has a nil value.
    public var queryItems: [URLQueryItem]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Peer IP address ("127.0.0.1", "::1"), or "" when unknown.
    public var remoteAddress: String
    /// Subject CN of the client certificate, only when the server has a TLS trust list and gnutls
    /// verified the certificate against it; nil for no certificate, an unverified one, or plain HTTP.
    public var clientCertificateCN: String?
    /// True when the server's admission step already ran on this request's head (it came
    /// through `HTTPServer` with an admitter); in-process callers leave it false.
    public var admitted = false
    /// Who admission authenticated (see `Admission.admit`); nil when nobody or not admitted.
    public var principal: String?

    public init(method: String, path: String, rawPath: String? = nil, queryItems: [URLQueryItem] = [], headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = [], remoteAddress: String = "", clientCertificateCN: String? = nil) {
        self.method = method
        self.path = path
        self.rawPath = rawPath ?? path
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.clientCertificateCN = clientCertificateCN
    }

    /// The head of this request, as admission sees it.
    public var head: HTTPRequestHead {
        HTTPRequestHead(method: method, path: path, rawPath: rawPath, queryItems: queryItems, headers: headers,
                        remoteAddress: remoteAddress, clientCertificateCN: clientCertificateCN)
    }

    /// First value of query argument `name` (nil when absent or bare).
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text, nil when it is not valid UTF-8.
    public var bodyText: String? {
        String(bytes: body, encoding: .utf8)
    }
}
