import Foundation
import TestSupport

/// A TCP forwarder on loopback that counts every byte in both directions: what the child and
/// the parent put on the wire (HTTP headers and gzip'd bodies included; TCP/IP headers not).
final class CountingProxy: @unchecked Sendable {
    private let proxy: LoopbackProxy
    private let counts: Counts
    var port: UInt16 { proxy.port }

    final class Counts: @unchecked Sendable {
        let lock = NSLock()
        var up = 0, down = 0
    }

    init(upstream: UInt16) throws {
        let counts = Counts()
        self.counts = counts
        proxy = try LoopbackProxy(upstream: upstream) { direction, n in
            counts.lock.withLock { if direction == .toUpstream { counts.up += n } else { counts.down += n } }
            return .forward
        }
    }

    /// Bytes child → parent and parent → child since the last reset.
    var bytes: (toParent: Int, fromParent: Int) { counts.lock.withLock { (counts.up, counts.down) } }
    func reset() { counts.lock.withLock { counts.up = 0; counts.down = 0 } }
    func stop() { proxy.stop() }
}
