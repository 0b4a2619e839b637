#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A TCP forwarder on 127.0.0.1 in front of `upstream`, with a say over every chunk it carries:
/// the bench counts bytes through it, the chaos harness makes it a slow, lossy link. A thread per
/// direction per connection; sockets are shut down when a chunk is cut (which wakes the other
/// direction) and closed only once both directions are done.
public final class LoopbackProxy: @unchecked Sendable {
    public enum Direction: Sendable { case toUpstream, fromUpstream }

    /// What becomes of one chunk read from one side.
    public enum Verdict: Sendable {
        case forward
        /// Forward only its first `n` bytes (0: none of it), then cut the connection both ways.
        case cut(after: Int)
    }

    /// Called for every chunk, on the thread that carries it (it may sleep: a slow link).
    public typealias Shaper = @Sendable (_ direction: Direction, _ bytes: Int) -> Verdict

    public let port: UInt16
    public let upstream: UInt16
    private let listener: Int32
    private let shaper: Shaper
    private let lock = NSLock()
    private var open: Set<Int32> = []
    private var stopped = false

    public init(upstream: UInt16, shaper: @escaping Shaper = { _, _ in .forward }) throws {
        self.upstream = upstream
        self.shaper = shaper
        (listener, port) = try Loopback.listen(port: 0)
        Thread { [self] in acceptLoop() }.start()
    }

    /// Stops accepting and cuts every connection.
    public func stop() {
        let all: Set<Int32> = lock.withLock { stopped = true; return open }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in all { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue }; return }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            guard let server = Loopback.connect(upstream) else { close(client); continue }
            let refused: Bool = lock.withLock {
                if stopped { return true }
                open.formUnion([client, server])
                return false
            }
            if refused { close(client); close(server); return }
            let pair = Pair(client, server) { [self] in lock.withLock { _ = open.subtract([client, server]) } }
            Thread { [self] in pump(from: client, to: server, direction: .toUpstream, pair: pair) }.start()
            Thread { [self] in pump(from: server, to: client, direction: .fromUpstream, pair: pair) }.start()
        }
    }

    private func pump(from: Int32, to: Int32, direction: Direction, pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        outer: while true {
            let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var count = n
            var cut = false
            if case .cut(let after) = shaper(direction, n) { count = min(max(0, after), n); cut = true }
            var sent = 0
            while sent < count {
                // MSG_NOSIGNAL: a peer gone (or a connection this proxy cut) must not SIGPIPE the process.
                let w = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { break outer }
                sent += w
            }
            if cut { pair.cut(); break }
        }
        shutdown(to, Int32(SHUT_WR))
        pair.done()
    }

    /// Both sockets of one connection: shut down at once when cut, closed when both directions
    /// are done, so no descriptor is closed under a thread still reading it.
    final class Pair: @unchecked Sendable {
        private let a: Int32, b: Int32
        private let lock = NSLock()
        private var finished = 0
        private let onClose: () -> Void
        init(_ a: Int32, _ b: Int32, onClose: @escaping () -> Void) { self.a = a; self.b = b; self.onClose = onClose }
        func cut() { shutdown(a, Int32(SHUT_RDWR)); shutdown(b, Int32(SHUT_RDWR)) }
        func done() {
            let last = lock.withLock { finished += 1; return finished == 2 }
            guard last else { return }
            onClose()
            close(a); close(b)
        }
    }
}
