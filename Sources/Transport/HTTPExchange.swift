/// One request the server answered, as the server's observer sees it once it is complete: for
/// counters and latency histograms (`/metrics`), never for the request's content.
public struct HTTPExchange: Sendable, Equatable {
    public var method: String
    /// The path as sent (still percent-encoded), without the query; "" when the request was
    /// refused before its path could be read.
    public var rawPath: String
    public var status: Int
    /// Body bytes read from the wire (compressed, when gzip), including a body read only to be discarded.
    public var bytesIn: Int
    /// Body bytes queued for the answer (after gzip).
    public var bytesOut: Int
    /// From the first byte of the head being handed to the server to the answer being complete.
    public var seconds: Double

    public init(method: String, rawPath: String, status: Int, bytesIn: Int, bytesOut: Int, seconds: Double) {
        self.method = method
        self.rawPath = rawPath
        self.status = status
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.seconds = seconds
    }
}

/// Told of every answered request when it is complete; runs on the server's connection threads,
/// so it must be cheap and thread-safe.
public typealias HTTPObserver = @Sendable (HTTPExchange) -> Void
