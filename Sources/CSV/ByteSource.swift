#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw bytes for the reader from a file descriptor or memory, with a peeked prefix so encoding
/// detection can look at the first 64 KiB without the parser seeing them twice.
final class ByteSource {
    private enum Origin {
        case descriptor(Int32, owned: Bool)
        case memory([UInt8])
    }

    private var origin: Origin
    /// Read position in a memory origin.
    private var offset = 0
    /// Bytes already taken from the origin by `peek` and not yet handed out by `read`.
    private var prefix: [UInt8] = []
    private var prefixPos = 0

    init(descriptor: Int32, owned: Bool) {
        origin = .descriptor(descriptor, owned: owned)
    }

    init(bytes: [UInt8]) {
        origin = .memory(bytes)
    }

    deinit { close() }

    func close() {
        if case .descriptor(let fd, owned: true) = origin {
            _ = systemClose(fd)
        }
        origin = .memory([])
        offset = 0
    }

    /// Up to `n` first bytes of what `read` will return next (fewer only at end of input).
    func peek(_ n: Int) throws -> [UInt8] {
        if prefixPos > 0 {
            prefix.removeFirst(prefixPos)
            prefixPos = 0
        }
        if prefix.count < n {
            let want = n - prefix.count
            prefix += try [UInt8](unsafeUninitializedCapacity: want) { b, initialized in
                while initialized < want {
                    let got = try readOrigin(into: b.baseAddress! + initialized, max: want - initialized)
                    if got == 0 { break }
                    initialized += got
                }
            }
        }
        return prefix
    }

    /// Drops `n` bytes (a BOM) that `peek` has already seen.
    func skip(_ n: Int) {
        prefixPos = min(prefix.count, prefixPos + n)
    }

    /// Reads up to `max` bytes; 0 means end of input.
    func read(into p: UnsafeMutablePointer<UInt8>, max: Int) throws -> Int {
        if prefixPos < prefix.count {
            let n = min(max, prefix.count - prefixPos)
            prefix.withUnsafeBufferPointer { b in
                (p).update(from: b.baseAddress! + prefixPos, count: n)
            }
            prefixPos += n
            if prefixPos == prefix.count {
                prefix = []
                prefixPos = 0
            }
            return n
        }
        return try readOrigin(into: p, max: max)
    }

    private func readOrigin(into p: UnsafeMutablePointer<UInt8>, max: Int) throws -> Int {
        switch origin {
        case .memory(let bytes):
            let n = min(max, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBufferPointer { b in p.update(from: b.baseAddress! + offset, count: n) }
                offset += n
            }
            return n
        case .descriptor(let fd, _):
            while true {
                let r = systemRead(fd, p, max)
                if r >= 0 { return r }
                let e = errno
                if e == EINTR { continue }
                throw CSVError(.io, line: 0, chinese: "读取文件失败：\(String(cString: strerror(e)))",
                               english: "read failed: \(String(cString: strerror(e)))")
            }
        }
    }
}
