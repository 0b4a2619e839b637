import Foundation
import Replica
import Transport

/// What the agent counts as it runs, for `/metrics`: one lock-protected struct, each update a
/// few additions, so counting costs nothing a request would notice. Counters start at zero
/// with the process (Prometheus expects that). The gauges (records, links, database size) are
/// read from the replica at scrape time instead (`NodeServer+Metrics`), versions per resource
/// as an update of the tally kept here.
public final class NodeMetrics: @unchecked Sendable {
    /// HTTP requests are counted per (endpoint, method, status).
    public struct RequestKey: Hashable, Sendable {
        public let endpoint: String
        public let method: String
        public let status: Int
    }

    /// A failure on one link, by reason.
    public struct LinkFailureKey: Hashable, Sendable {
        public let link: String
        public let reason: String
    }

    /// Everything counted, as one value (what a scrape copies out).
    public struct Counts: Sendable {
        public var requests: [RequestKey: Int] = [:]
        public var latency: [String: LatencyHistogram] = [:]
        public var requestBytes: [String: Int] = [:]
        public var responseBytes: [String: Int] = [:]
        public var pushesRefused: [String: Int] = [:]
        public var authFailures: [String: Int] = [:]
        public var linkFailures: [LinkFailureKey: Int] = [:]
        public var linkBytesSent: Int64 = 0
        public var linkBytesReceived: Int64 = 0
        public var rounds: [String: Int] = [:]
        public var versionsPushed = 0
        public var versionsPulled = 0
        /// The end of the last round that succeeded with the parent (Unix milliseconds).
        public var lastRoundSuccessMilliseconds: Int64?
    }

    /// When this process started counting (Unix seconds).
    public let startTime = Date().timeIntervalSince1970
    private let lock = NSLock()
    /// Held while a scrape updates the version tally (counting must not hold `lock`).
    private let tallyLock = NSLock()
    private var counts = Counts()
    private var tally: VersionTally?

    public init() {}

    public func snapshot() -> Counts { lock.withLock { counts } }

    /// One answered request; `endpoint` comes from a bounded set (`NodeServer.endpoint`).
    public func observe(_ exchange: HTTPExchange, endpoint: String) {
        let method = ["GET", "HEAD", "POST", "PUT", "DELETE"].contains(exchange.method) ? exchange.method : "other"
        let key = RequestKey(endpoint: endpoint, method: method, status: exchange.status)
        lock.withLock {
            counts.requests[key, default: 0] += 1
            counts.latency[endpoint, default: LatencyHistogram()].observe(exchange.seconds)
            counts.requestBytes[endpoint, default: 0] += exchange.bytesIn
            counts.responseBytes[endpoint, default: 0] += exchange.bytesOut
        }
    }

    public func pushRefused(reason: String) { lock.withLock { counts.pushesRefused[reason, default: 0] += 1 } }

    public func authFailed(reason: String) { lock.withLock { counts.authFailures[reason, default: 0] += 1 } }

    public func linkFailed(_ link: String, reason: String) {
        lock.withLock { counts.linkFailures[LinkFailureKey(link: link, reason: reason), default: 0] += 1 }
    }

    /// Body bytes the parent link moved (`HTTPClient.bodyBytes` differences).
    public func linkTraffic(sent: Int64, received: Int64) {
        lock.withLock {
            counts.linkBytesSent += max(sent, 0)
            counts.linkBytesReceived += max(received, 0)
        }
    }

    public func roundSucceeded(pushed: Int, pulled: Int, at ms: Int64) {
        lock.withLock {
            counts.rounds["ok", default: 0] += 1
            counts.versionsPushed += pushed
            counts.versionsPulled += pulled
            counts.lastRoundSuccessMilliseconds = ms
        }
    }

    public func roundFailed() { lock.withLock { counts.rounds["failed", default: 0] += 1 } }

    /// Versions held per resource: the last tally, brought up to date by `update` (a scrape at
    /// a time; the next one starts from what this one counted).
    public func versionCounts(_ update: (VersionTally?) throws -> VersionTally) rethrows -> [String: Int] {
        try tallyLock.withLock {
            let fresh = try update(tally)
            tally = fresh
            return fresh.perResource
        }
    }
}
