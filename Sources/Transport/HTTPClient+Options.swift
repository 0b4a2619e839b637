extension HTTPClient {
    /// Time and size bounds for every request of one client. Links to children are slow and
    /// flaky, so a transfer that stalls is aborted rather than left hanging.
    public struct Options: Sendable, Equatable {
        /// Seconds allowed for the TCP connect.
        public var connectTimeout: Double = 10
        /// Seconds allowed for the whole request, connect included.
        public var totalTimeout: Double = 300
        /// A transfer slower than this many bytes/second for `lowSpeedTime` seconds is aborted.
        public var lowSpeedLimit: Int = 64
        public var lowSpeedTime: Int = 30
        /// Largest (decoded) answer body accepted.
        public var maxResponseBytes: Int = 256 * 1024 * 1024
        /// HTTPS: PEM file of the CA certificates that must have signed the server's certificate
        /// (instead of the system's bundle). Peer and host name are always verified.
        public var caFile: String?
        /// HTTPS: this client's certificate (PEM file), sent when the server asks for one.
        public var clientCertificateFile: String?
        /// HTTPS: the private key of `clientCertificateFile` (PEM file, unencrypted).
        public var clientKeyFile: String?

        public init(connectTimeout: Double = 10, totalTimeout: Double = 300, lowSpeedLimit: Int = 64,
                    lowSpeedTime: Int = 30, maxResponseBytes: Int = 256 * 1024 * 1024,
                    caFile: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.lowSpeedLimit = lowSpeedLimit
            self.lowSpeedTime = lowSpeedTime
            self.maxResponseBytes = maxResponseBytes
            self.caFile = caFile
            self.clientCertificateFile = clientCertificateFile
            self.clientKeyFile = clientKeyFile
        }
    }
}
