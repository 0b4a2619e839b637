#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// TCP on 127.0.0.1 for tests, the bench and the chaos harness: free ports, listening sockets,
/// connections. Loopback only; every wait is bounded.
public enum Loopback {
    public static func address(_ port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    /// A TCP socket that no program started from here inherits (close-on-exec): a test's
    /// listening socket (a `PortBlocker`) left open in the agents started while it was would
    /// hold its port after the test let go of it.
    static func tcpSocket() -> Int32 {
        socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    /// A port that is free now, below the kernel's ephemeral range (32768+) so that no client
    /// connection or port-0 server takes it while the node that owns it is stopped.
    public static func freePort(avoiding used: Set<UInt16> = []) throws -> UInt16 {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let candidate = UInt16.random(in: 20_000..<32_000, using: &rng)
            guard !used.contains(candidate) else { continue }
            let fd = tcpSocket()
            guard fd >= 0 else { continue }
            defer { close(fd) }
            if bind(fd, port: candidate) == 0 { return candidate }
        }
        throw SupportError("no free loopback port found")
    }

    /// A socket listening on 127.0.0.1:`port` (0: one the kernel picks), and the port it got.
    public static func listen(port: UInt16, backlog: Int32 = 64) throws -> (fd: Int32, port: UInt16) {
        let fd = tcpSocket()
        guard fd >= 0 else { throw SupportError("socket() failed: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, port: port) == 0, Glibc.listen(fd, backlog) == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            throw SupportError("cannot listen on 127.0.0.1:\(port): \(problem)")
        }
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard ok == 0 else { close(fd); throw SupportError("getsockname failed") }
        return (fd, UInt16(bigEndian: addr.sin_port))
    }

    /// A connected socket (TCP_NODELAY), or nil when nothing accepts on the port.
    public static func connect(_ port: UInt16) -> Int32? {
        let fd = tcpSocket()
        guard fd >= 0 else { return nil }
        var addr = address(port)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 { close(fd); return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Waits until something accepts connections on the port.
    public static func waitListening(_ port: UInt16, timeout: TimeInterval = 30) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let fd = connect(port) { close(fd); return }
            usleep(20_000)
        }
        throw SupportError("nothing listens on 127.0.0.1:\(port) after \(Int(timeout)) s")
    }

    private static func bind(_ fd: Int32, port: UInt16) -> Int32 {
        var addr = address(port)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
