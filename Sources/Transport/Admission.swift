/// The server's decision on a request whose headers are complete, before its body is read.
///
/// Authentication happens here, so an unauthenticated peer never makes the server buffer or
/// inflate anything; an admitted request carries the caps that fit its endpoint.
public enum Admission: Sendable {
    /// Answer at once (with `Connection: close`); the body is never read.
    case refuse(HTTPResponse)
    /// Read the body within `caps`; `principal` (who authenticated, nil for nobody) reaches the
    /// handler as `HTTPRequest.principal`.
    case admit(Caps, principal: String?)

    /// Body caps for one request.
    public struct Caps: Sendable, Equatable {
        /// Bytes on the wire (compressed, when gzip).
        public var wireBytes: Int
        /// Bytes after gunzip (equal to what is kept for an identity body).
        public var inflatedBytes: Int

        public init(wireBytes: Int, inflatedBytes: Int) {
            self.wireBytes = wireBytes
            self.inflatedBytes = inflatedBytes
        }
    }
}

/// Decides on each request head; runs on the server's connection threads.
public typealias HTTPAdmitter = @Sendable (HTTPRequestHead) -> Admission
