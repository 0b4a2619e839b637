import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A TCP forwarder on loopback that counts every byte in both directions: what the child and
/// the parent put on the wire (HTTP headers and gzip'd bodies included; TCP/IP headers not).
final class CountingProxy: @unchecked Sendable {
    let port: UInt16
    let upstream: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var up = 0
    private var down = 0

    init(upstream: UInt16) throws {
        self.upstream = upstream
        (listener, port) = try Loopback.listen(port: 0)
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    /// Bytes child → parent and parent → child since the last reset.
    var bytes: (toParent: Int, fromParent: Int) { lock.lock(); defer { lock.unlock() }; return (up, down) }
    func reset() { lock.lock(); up = 0; down = 0; lock.unlock() }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue }; return }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            guard let server = Loopback.connect(upstream) else { close(client); continue }
            let pair = FDPair(client, server)
            Thread { [self] in pump(from: client, to: server, pair: pair, upward: true) }.start()
            Thread { [self] in pump(from: server, to: client, pair: pair, upward: false) }.start()
        }
    }

    private func pump(from: Int32, to: Int32, pair: FDPair, upward: Bool) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        outer: while true {
            let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            lock.lock()
            if upward { up += n } else { down += n }
            lock.unlock()
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { write(to, $0.baseAddress! + sent, n - sent) }
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { break outer }
                sent += w
            }
        }
        shutdown(to, Int32(SHUT_WR))
        pair.done()
    }
}

/// Closes both sockets of a forwarded connection once both directions have finished.
final class FDPair: @unchecked Sendable {
    private let a: Int32, b: Int32
    private let lock = NSLock()
    private var finished = 0
    init(_ a: Int32, _ b: Int32) { self.a = a; self.b = b }
    func done() {
        lock.lock(); finished += 1; let last = finished == 2; lock.unlock()
        if last { close(a); close(b) }
    }
}
