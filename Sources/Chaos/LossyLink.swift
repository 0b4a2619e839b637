#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport

/// A slow, lossy link between a child and its parent: a TCP proxy on loopback that the child's
/// `parent_url` points at. Every chunk either way waits 0–200 ms; of the chunks the parent sends
/// back, one in twenty is dropped with the connection (the request did reach the parent; its
/// answer is lost) and one in twenty is cut in half, then the connection closed. Seeded, so a
/// run's link behaves alike, though its timing depends on the agents'.
final class LossyLink: @unchecked Sendable {
    let port: UInt16
    let upstream: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var rng: SplitMix64
    private var open: Set<Int32> = []
    private var stopped = false
    private var connections = 0, dropped = 0, truncated = 0

    init(upstream: UInt16, seed: UInt64) throws {
        self.upstream = upstream
        rng = SplitMix64(seed: seed ^ 0x4C05_5E11_4C05_5E11)
        (listener, port) = try Loopback.listen(port: 0)
        Thread { [self] in acceptLoop() }.start()
    }

    var summary: String { lock.withLock { "\(connections) connections, \(dropped) answers dropped, \(truncated) cut short" } }

    func stop() {
        lock.lock()
        stopped = true
        let all = open
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in all { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private enum Fate { case intact, drop, truncate }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue }; return }
            guard let server = Loopback.connect(upstream) else { close(client); continue }
            lock.lock()
            if stopped { lock.unlock(); close(client); close(server); return }
            connections += 1
            let seed = rng.next()
            open.formUnion([client, server])
            lock.unlock()
            let pair = Pair(client, server) { [self] in lock.withLock { open.subtract([client, server]) } }
            Thread { [self] in pump(from: client, to: server, lossy: false, seed: seed, pair: pair) }.start()
            Thread { [self] in pump(from: server, to: client, lossy: true, seed: seed &+ 1, pair: pair) }.start()
        }
    }

    private func pump(from: Int32, to: Int32, lossy: Bool, seed: UInt64, pair: Pair) {
        var delays = SplitMix64(seed: seed)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        outer: while true {
            let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            usleep(UInt32(delays.int(0...200)) * 1000)
            var count = n
            let roll = lossy ? delays.int(0..<20) : 2
            let fate: Fate = roll == 0 ? .drop : roll == 1 ? .truncate : .intact
            switch fate {
            case .intact: break
            case .drop:
                lock.withLock { dropped += 1 }
                pair.closeBoth()
                break outer
            case .truncate:
                count = max(1, n / 2)
                lock.withLock { truncated += 1 }
            }
            var sent = 0
            while sent < count {
                let w = buffer.withUnsafeBytes { write(to, $0.baseAddress! + sent, count - sent) }
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { break outer }
                sent += w
            }
            if fate == .truncate { pair.closeBoth(); break outer }
        }
        shutdown(to, Int32(SHUT_WR))
        pair.done()
    }

    /// Both sockets of one proxied connection: shut down at once when a fault cuts it (which
    /// wakes the other direction's read), closed only when both directions are done, so no
    /// descriptor is closed under a thread still reading it.
    final class Pair: @unchecked Sendable {
        private let a: Int32, b: Int32
        private let lock = NSLock()
        private var finished = 0
        private let onClose: () -> Void
        init(_ a: Int32, _ b: Int32, onClose: @escaping () -> Void) { self.a = a; self.b = b; self.onClose = onClose }
        func done() {
            let last = lock.withLock { finished += 1; return finished == 2 }
            guard last else { return }
            onClose()
            close(a); close(b)
        }
        func closeBoth() { shutdown(a, Int32(SHUT_RDWR)); shutdown(b, Int32(SHUT_RDWR)) }
    }
}
