import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, so the bench can read its peak RSS (`VmHWM` in
/// /proc, sampled until it exits) and its CPU time (`wait4`'s rusage).
final class Spawned {
    let pid: pid_t
    let name: String
    private(set) var exited = false

    init(_ executable: String, _ arguments: [String], log: String, name: String) throws {
        self.name = name
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchFailure("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Peak resident set so far (VmHWM), in MB, while the process runs.
    func peakRSSMB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
        return kb / 1024
    }

    /// CPU seconds (user + system) used so far, from /proc (clock ticks).
    func cpuSeconds() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return -1 }
        let fields = s[s.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let k = Double(fields[12]) else { return -1 }
        return (u + k) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Waits for the exit; returns the exit status (128 + signal when killed), the peak RSS in MB
    /// and the CPU seconds (rusage). The peak is VmHWM sampled every 10 ms until the exit, not
    /// wait4's ru_maxrss: posix_spawn shares this process's memory until the exec, and Linux
    /// counts that (the bench's own hundreds of MB) in the child's ru_maxrss.
    @discardableResult
    func wait() -> (status: Int32, peakRSSMB: Double, cpuSeconds: Double) {
        var status: Int32 = 0
        var usage = rusage()
        var peak = 0.0
        while true {
            peak = max(peak, peakRSSMB())
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            usleep(10_000)
        }
        exited = true
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return (code, peak, cpu)
    }

    func terminate(timeout: Double = 10) {
        guard !exited else { return }
        kill(pid, SIGTERM)
        let end = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < end {
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        exited = true
    }
}

enum Net {
    /// A loopback port that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket failed") }
        defer { close(fd) }
        var addr = loopback(0)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { throw BenchFailure("bind failed") }
        return try boundPort(fd)
    }

    static func loopback(_ port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    static func boundPort(_ fd: Int32) throws -> UInt16 {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard ok == 0 else { throw BenchFailure("getsockname failed") }
        return UInt16(bigEndian: addr.sin_port)
    }

    static func connect(_ port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = loopback(port)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if ok != 0 { close(fd); return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Waits until something accepts connections on the port.
    static func waitListening(_ port: UInt16, timeout: Double = 30) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let fd = connect(port) { close(fd); return }
            usleep(20_000)
        }
        throw BenchFailure("nothing listens on 127.0.0.1:\(port) after \(timeout) s")
    }
}

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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = Net.loopback(0)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0, listen(fd, 64) == 0 else { throw BenchFailure("proxy: cannot listen") }
        listener = fd
        port = try Net.boundPort(fd)
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
            guard let server = Net.connect(upstream) else { close(client); continue }
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
