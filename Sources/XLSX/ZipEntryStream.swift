import CZlib

/// The inflated bytes of one ZIP entry, produced chunk by chunk as the reader asks for them. It
/// never produces more than the entry declares, and at the end checks the CRC-32 and the size, so
/// a damaged or lying entry is an error, never silently short or long data.
final class ZipEntryStream {
    static let chunk = 64 << 10

    let entry: ZipEntry
    private let input: ArchiveInput
    private var nextOffset: Int
    private var compressedLeft: Int
    private var produced = 0
    private var crc: UInt = 0
    private var finished = false
    private var stream: UnsafeMutablePointer<z_stream>?
    private var pending: [UInt8] = []
    private var pendingStart = 0

    init(input: ArchiveInput, entry: ZipEntry, dataOffset: Int) throws {
        self.input = input
        self.entry = entry
        nextOffset = dataOffset
        compressedLeft = entry.compressedSize
        crc = crc32(0, nil, 0)
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else { throw Self.corrupt(entry, "存储大小不一致", "stored sizes differ") }
        case 8:
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            guard czlib_inflate_init_raw(s) == Z_OK else {
                s.deinitialize(count: 1); s.deallocate()
                throw XLSXError(.io, "无法初始化解压", "cannot start inflating")
            }
            stream = s
        default:
            throw XLSXError(.notZip, "“\(entry.name)”使用了不支持的压缩方法 \(entry.method)", "\(entry.name) uses compression method \(entry.method), which is not supported")
        }
    }

    deinit {
        if let s = stream {
            inflateEnd(s)
            s.deinitialize(count: 1)
            s.deallocate()
        }
    }

    static func corrupt(_ entry: ZipEntry, _ zh: String, _ en: String) -> XLSXError {
        XLSXError(.corrupt, "文件已损坏：“\(entry.name)”\(zh)", "damaged archive: \(entry.name): \(en)")
    }

    /// Appends the next inflated bytes (up to 64 KiB) to `out`; false once the entry is complete.
    func read(into out: inout [UInt8]) throws -> Bool {
        if finished { return false }
        let before = out.count
        if entry.method == 0 {
            if compressedLeft == 0 { try finish(); return false }
            let n = min(Self.chunk, compressedLeft)
            let bytes = try input.read(at: nextOffset, count: n)
            nextOffset += n
            compressedLeft -= n
            out.append(contentsOf: bytes)
        } else {
            try inflateChunk(into: &out)
        }
        let added = out.count - before
        produced += added
        if produced > entry.uncompressedSize {
            throw XLSXError(.tooLarge, "文件中的“\(entry.name)”解压后超过其声明的大小（可能是 ZIP 炸弹）",
                            "\(entry.name) inflates beyond its declared size (a zip bomb?)")
        }
        if added > 0 {
            out.withUnsafeBufferPointer { b in crc = crc32(crc, b.baseAddress! + before, uInt(added)) }
        }
        if finished { try finish() }
        return added > 0 || !finished
    }

    private func inflateChunk(into out: inout [UInt8]) throws {
        guard let s = stream else { return }
        if pendingStart == pending.count && compressedLeft > 0 {
            let n = min(Self.chunk, compressedLeft)
            pending = try input.read(at: nextOffset, count: n)
            pendingStart = 0
            nextOffset += n
            compressedLeft -= n
        }
        let before = out.count
        // Never ask for more than the entry may still produce plus one byte: a bomb is caught at once.
        let room = min(Self.chunk, entry.uncompressedSize - produced + 1)
        out.append(contentsOf: repeatElement(0, count: room))
        let inputLeft = pending.count - pendingStart
        var status: Int32 = Z_OK
        pending.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                s.pointee.next_in = inputLeft > 0 ? inBuf.baseAddress! + pendingStart : nil
                s.pointee.avail_in = uInt(inputLeft)
                s.pointee.next_out = outBuf.baseAddress! + before
                s.pointee.avail_out = uInt(room)
                status = inflate(s, Z_NO_FLUSH)
            }
        }
        let used = inputLeft - Int(s.pointee.avail_in)
        pendingStart += used
        let made = room - Int(s.pointee.avail_out)
        out.removeLast(room - made)
        switch status {
        case Z_STREAM_END:
            finished = true
        case Z_OK, Z_BUF_ERROR:
            // No progress at all: either the data ran out before the stream's end, or it is stuck.
            if made == 0 && used == 0 {
                throw Self.corrupt(entry, "压缩数据不完整", "the deflate stream is truncated")
            }
        default:
            throw Self.corrupt(entry, "压缩数据无法解压", "the deflate stream is invalid")
        }
    }

    private func finish() throws {
        finished = true
        guard produced == entry.uncompressedSize else {
            throw Self.corrupt(entry, "大小与目录不符（\(produced)，应为 \(entry.uncompressedSize)）",
                               "inflated to \(produced) bytes, the directory says \(entry.uncompressedSize)")
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else {
            throw Self.corrupt(entry, "校验和（CRC-32）不符", "CRC-32 mismatch")
        }
    }
}
