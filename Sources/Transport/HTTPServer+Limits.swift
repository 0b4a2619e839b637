extension HTTPServer {
    /// Resource caps for one server. Children are remote and untrusted in volume, so every
    /// input the network controls has a bound.
    public struct Limits: Sendable, Equatable {
        /// Largest request body accepted on the wire; more is answered 413 without buffering it.
        public var maxBodyBytes: Int = 32 * 1024 * 1024
        /// Largest gzip-decoded request body (bomb protection); more is answered 413.
        public var maxDecompressedBodyBytes: Int = 256 * 1024 * 1024
        /// Concurrent connections for the whole server (split among pool threads by libmicrohttpd).
        public var connectionLimit: Int = 256
        /// Concurrent connections from one IP address (libmicrohttpd closes the ones over it).
        /// Generous: children behind one NAT address, each with a long poll, share it.
        public var perAddressConnectionLimit: Int = 64
        /// Per-connection buffer for headers and body chunks; headers that do not fit get
        /// libmicrohttpd's own 431 page (HTML), so keep it well above `maxHeaderBytes`.
        public var connectionMemoryLimit: Int = 64 * 1024
        /// Request line and headers together; more is answered 431 in the bilingual JSON shape.
        public var maxHeaderBytes: Int = 16 * 1024
        /// Idle seconds before libmicrohttpd drops a connection (also bounds stalled uploads).
        public var connectionTimeoutSeconds: Int = 60

        public init(maxBodyBytes: Int = 32 * 1024 * 1024,
                    maxDecompressedBodyBytes: Int = 256 * 1024 * 1024,
                    connectionLimit: Int = 256,
                    connectionMemoryLimit: Int = 64 * 1024,
                    connectionTimeoutSeconds: Int = 60,
                    perAddressConnectionLimit: Int = 64,
                    maxHeaderBytes: Int = 16 * 1024) {
            self.maxBodyBytes = maxBodyBytes
            self.maxDecompressedBodyBytes = maxDecompressedBodyBytes
            self.connectionLimit = connectionLimit
            self.connectionMemoryLimit = connectionMemoryLimit
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.perAddressConnectionLimit = perAddressConnectionLimit
            self.maxHeaderBytes = maxHeaderBytes
        }
    }
}
