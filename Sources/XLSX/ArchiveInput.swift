#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a ZIP archive, read at any offset: a file (read with `pread`, never loaded whole)
/// or bytes already in memory (an upload).
public final class ArchiveInput: @unchecked Sendable {
    private enum Source {
        case file(Int32)
        case memory([UInt8])
    }

    private let source: Source
    public let size: Int

    /// Opens the file at `path` for reading.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw XLSXError(.io, "无法打开文件 \(path)：\(reason)", "cannot open \(path): \(reason)")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw XLSXError(.io, "无法读取文件 \(path)：\(reason)", "cannot read \(path): \(reason)")
        }
        source = .file(fd)
        size = Int(st.st_size)
    }

    public init(bytes: [UInt8]) {
        source = .memory(bytes)
        size = bytes.count
    }

    deinit {
        if case .file(let fd) = source { close(fd) }
    }

    /// `count` bytes at `offset`; throws when they are not all there (a truncated archive).
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw XLSXError(.badArchive, "文件不完整：ZIP 结构指向文件末尾之外", "truncated archive: a ZIP structure points past the end of the file")
        }
        switch source {
        case .memory(let bytes):
            return Array(bytes[offset..<offset + count])
        case .file(let fd):
            var out = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw XLSXError(.io, "读取文件失败", "cannot read the file")
                }
                done += n
            }
            return out
        }
    }
}

/// Little-endian integers from a byte array, as ZIP stores them.
extension Array where Element == UInt8 {
    func le16(_ at: Int) -> Int { Int(self[at]) | Int(self[at + 1]) << 8 }
    func le32(_ at: Int) -> Int { le16(at) | le16(at + 2) << 16 }
}
