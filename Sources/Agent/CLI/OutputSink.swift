#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSON

/// Buffered output to a file descriptor or to memory. Writes go out in 64 KiB chunks, so a
/// command printing 100,000 lines makes a few hundred system calls, not 100,000.
public final class OutputSink {
    private let fd: Int32?
    private var buffer: [UInt8] = []
    /// Everything written, when the sink is in memory (tests).
    public private(set) var captured: [UInt8] = []

    public init(fileDescriptor: Int32) {
        fd = fileDescriptor
        buffer.reserveCapacity(1 << 16)
    }

    /// A sink that keeps what is written, for tests.
    public init() { fd = nil }

    public var capturedText: String { flush(); return String(decoding: captured, as: UTF8.self) }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func line(_ text: String = "") {
        write(text)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes one JSON value on its own line (JSON Lines).
    public func json(_ value: JSONValue) {
        JSONWriter.write(value, into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        if let fd {
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue } else { break } }
                    offset += n
                }
            }
        } else {
            captured.append(contentsOf: buffer)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
