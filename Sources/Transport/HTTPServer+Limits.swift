extension HTTPServer {
    /// Resource caps for one server. Children are remote and untrusted in volume, so every
    /// input the network controls has a bound.
    public struct Limits: Sendable, Equatable {
        /// Largest request body accepted on the wire; more is answered 413 without buffering it.
        /// The server's admission step may lower it per request, never raise it.
        public var maxBodyBytes: Int = 32 * 1024 * 1024
        /// Largest gzip-decoded request body (bomb protection); more is answered 413. Decoded
        /// as it arrives, so a bomb never costs more than this.
        public var maxDecompressedBodyBytes: Int = 64 * 1024 * 1024
        /// Body memory of all requests in progress together; a request that cannot reserve its
        /// share gets 503 with Retry-After.
        public var bodyMemoryBudget: Int = 64 * 1024 * 1024
        /// Concurrent connections for the whole server.
        public var connectionLimit: Int = 256
        /// Concurrent connections from one IP address. Generous: children behind one NAT
        /// address, each with a long poll, share it. When an address is at its limit, a new
        /// connection from it replaces its oldest one that has not sent a complete request head.
        public var perAddressConnectionLimit: Int = 64
        /// Per-connection buffer for headers and body chunks. Headers that do not fit get
        /// libmicrohttpd's own 431 page (HTML), so it is far above `maxHeaderBytes` and
        /// `maxHeaderCount` (each header also costs libmicrohttpd about 48 bytes of it).
        public var connectionMemoryLimit: Int = 256 * 1024
        /// Request line and headers together; more is answered 431 in the bilingual JSON shape.
        public var maxHeaderBytes: Int = 16 * 1024
        /// Header fields per request; more is answered 431 in the bilingual JSON shape.
        public var maxHeaderCount: Int = 100
        /// Idle seconds before libmicrohttpd drops a connection (also bounds stalled uploads).
        public var connectionTimeoutSeconds: Int = 60
        /// Seconds a connection may take to send a complete request head (a byte now and then
        /// resets `connectionTimeoutSeconds`, not this); checked whenever a connection arrives.
        public var headerDeadlineSeconds: Int = 30

        public init(maxBodyBytes: Int = 32 * 1024 * 1024,
                    maxDecompressedBodyBytes: Int = 64 * 1024 * 1024,
                    connectionLimit: Int = 256,
                    connectionMemoryLimit: Int = 256 * 1024,
                    connectionTimeoutSeconds: Int = 60,
                    perAddressConnectionLimit: Int = 64,
                    maxHeaderBytes: Int = 16 * 1024,
                    maxHeaderCount: Int = 100,
                    bodyMemoryBudget: Int = 64 * 1024 * 1024,
                    headerDeadlineSeconds: Int = 30) {
            self.maxBodyBytes = maxBodyBytes
            self.maxDecompressedBodyBytes = maxDecompressedBodyBytes
            self.connectionLimit = connectionLimit
            self.connectionMemoryLimit = connectionMemoryLimit
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.perAddressConnectionLimit = perAddressConnectionLimit
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.bodyMemoryBudget = bodyMemoryBudget
            self.headerDeadlineSeconds = headerDeadlineSeconds
        }
    }
}
