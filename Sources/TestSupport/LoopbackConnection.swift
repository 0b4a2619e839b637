#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A TCP connection to 127.0.0.1 that sends exactly the bytes it is given: for feeding a server
/// what no HTTP client would send (half requests, garbage, trickles). Reads time out after
/// `timeout` seconds of silence.
public final class LoopbackConnection {
    public let fd: Int32
    private var closed = false

    public init(port: UInt16, timeout: TimeInterval = 0.5) throws {
        guard let fd = Loopback.connect(port) else { throw POSIXError(.ECONNREFUSED) }
        self.fd = fd
        var t = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends what it can; the server may hang up early, which is fine here.
    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until the server closes or goes quiet for the timeout.
    public func readAll(limit: Int = 1 << 20) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            result += buffer[0..<count]
        }
        return result
    }

    public func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    deinit { close() }
}
