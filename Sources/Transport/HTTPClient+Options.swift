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

        public init(connectTimeout: Double = 10, totalTimeout: Double = 300, lowSpeedLimit: Int = 64,
                    lowSpeedTime: Int = 30, maxResponseBytes: Int = 256 * 1024 * 1024) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.lowSpeedLimit = lowSpeedLimit
            self.lowSpeedTime = lowSpeedTime
            self.maxResponseBytes = maxResponseBytes
        }
    }
}
