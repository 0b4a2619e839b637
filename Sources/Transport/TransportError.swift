/// Failures of the HTTP client and server, worded for logs and CLI output.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing accepted the TCP connection (peer down, wrong port, firewall reject).
    case connectionRefused(url: String, detail: String)
    /// Connect, total or low-speed timeout hit.
    case timedOut(url: String, detail: String)
    /// The answer was larger than the client's `maxResponseBytes`.
    case responseTooLarge(url: String, limit: Int)
    /// The request could not be formed (bad header text, bad URL).
    case invalidRequest(String)
    /// Any other libcurl failure, with curl's own text.
    case curl(code: Int, message: String, url: String)
    /// The server could not start (address in use, bad host, out of resources).
    case serverStartFailed(String)

    public var description: String {
        switch self {
        case .connectionRefused(let url, let detail): return "connection refused by \(url): \(detail)"
        case .timedOut(let url, let detail): return "request to \(url) timed out: \(detail)"
        case .responseTooLarge(let url, let limit): return "answer from \(url) is larger than \(limit) bytes"
        case .invalidRequest(let why): return "invalid request: \(why)"
        case .curl(let code, let message, let url): return "HTTP request to \(url) failed (curl \(code)): \(message)"
        case .serverStartFailed(let why): return "HTTP server could not start: \(why)"
        }
    }
}
