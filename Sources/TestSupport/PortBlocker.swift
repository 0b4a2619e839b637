#if canImport(Glibc)
import Glibc
#endif

/// A socket listening on 127.0.0.1:`port`, so that an agent cannot: for tests of what a node
/// does when its address is taken.
public final class PortBlocker {
    public let port: UInt16
    private let fd: Int32

    public init(_ port: UInt16) throws {
        (fd, self.port) = try Loopback.listen(port: port, backlog: 4)
    }

    deinit { close(fd) }
}
