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
        /// Per-connection buffer for headers and body chunks; larger headers get 431 from libmicrohttpd.
        public var connectionMemoryLimit: Int = 64 * 1024
        /// Idle seconds before libmicrohttpd drops a connection (also bounds stalled uploads).
        public var connectionTimeoutSeconds: Int = 60

        public init(maxBodyBytes: Int = 32 * 1024 * 1024,
                    maxDecompressedBodyBytes: Int = 256 * 1024 * 1024,
                    connectionLimit: Int = 256,
                    connectionMemoryLimit: Int = 64 * 1024,
                    connectionTimeoutSeconds: Int = 60) {
            self.maxBodyBytes = maxBodyBytes
            self.maxDecompressedBodyBytes = maxDecompressedBodyBytes
            self.connectionLimit = connectionLimit
            self.connectionMemoryLimit = connectionMemoryLimit
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
        }
    }
}
