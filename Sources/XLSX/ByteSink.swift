#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a written archive goes: a file (written in 64 KiB blocks, every error reported) or memory.
final class ByteSink {
    private var fd: Int32
    private let path: String?
    private(set) var buffer: [UInt8] = []
    /// Bytes written so far, flushed or not.
    private(set) var offset = 0

    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw XLSXError(.io, "无法创建文件 \(path)：\(reason)", "cannot create \(path): \(reason)")
        }
        self.path = path
        buffer.reserveCapacity(1 << 16 + 4096)
    }

    init() {
        fd = -1
        path = nil
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        offset += bytes.count
        if fd >= 0 && buffer.count >= 1 << 16 { try flush() }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
        guard fd >= 0, !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw XLSXError(.io, "写入文件 \(path ?? "") 失败：\(reason)", "cannot write \(path ?? ""): \(reason)")
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if fd >= 0 {
            let result = Glibc.close(fd)
            fd = -1
            if result != 0 {
                let reason = String(cString: strerror(errno))
                throw XLSXError(.io, "写入文件 \(path ?? "") 失败：\(reason)", "cannot write \(path ?? ""): \(reason)")
            }
        }
    }
}
