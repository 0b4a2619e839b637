import CZlib

/// Writes a ZIP archive entry by entry, each deflated as it is written (a data descriptor after
/// it carries its CRC-32 and sizes), so an export of any length is never held in memory.
final class ZipWriter {
    private struct Written {
        let name: [UInt8]
        let crc: UInt32
        let compressed: Int
        let uncompressed: Int
        let offset: Int
    }

    let sink: ByteSink
    private var written: [Written] = []
    private var stream: UnsafeMutablePointer<z_stream>?
    private var current: (name: [UInt8], offset: Int, crc: UInt, start: Int, size: Int)?
    private var out = [UInt8](repeating: 0, count: 1 << 16)
    private let dosTime: Int, dosDate: Int

    init(sink: ByteSink) {
        self.sink = sink
        // Entries carry a fixed time: the same rows make the same file.
        dosTime = 0
        dosDate = (2026 - 1980) << 9 | 1 << 5 | 1
    }

    deinit { endStream() }

    private func endStream() {
        if let s = stream {
            deflateEnd(s)
            s.deinitialize(count: 1)
            s.deallocate()
            stream = nil
        }
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }

    private func checkSize(_ v: Int) throws {
        guard v < 0xFFFF_FFFF else {
            throw XLSXError(.tooLarge, "导出文件超过 4 GB，请分批导出", "the file would exceed 4 GB; export in parts")
        }
    }

    func begin(_ name: String) throws {
        let n = Array(name.utf8)
        let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        s.initialize(to: z_stream())
        guard czlib_deflate_init_raw(s, 6) == Z_OK else {
            s.deinitialize(count: 1); s.deallocate()
            throw XLSXError(.io, "无法初始化压缩", "cannot start deflating")
        }
        stream = s
        let offset = sink.offset
        try checkSize(offset)
        // Version 2.0; flags: sizes in a data descriptor (bit 3), UTF-8 names (bit 11); deflated.
        var header: [UInt8] = Self.le32(0x0403_4B50) + Self.le16(20) + Self.le16(0x0808) + Self.le16(8)
        header += Self.le16(dosTime) + Self.le16(dosDate) + Self.le32(0) + Self.le32(0) + Self.le32(0)
        header += Self.le16(n.count) + Self.le16(0) + n
        try sink.write(header)
        current = (n, offset, crc32(0, nil, 0), sink.offset, 0)
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        current!.crc = bytes.withUnsafeBufferPointer { crc32(current!.crc, $0.baseAddress, uInt($0.count)) }
        current!.size += bytes.count
        try deflate(bytes, flush: Z_NO_FLUSH)
    }

    private func deflate(_ bytes: [UInt8], flush: Int32) throws {
        guard let s = stream else { return }
        var input = bytes
        try input.withUnsafeMutableBufferPointer { inBuf in
            s.pointee.next_in = inBuf.baseAddress
            s.pointee.avail_in = uInt(inBuf.count)
            while true {
                let status = out.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    s.pointee.next_out = outBuf.baseAddress
                    s.pointee.avail_out = uInt(outBuf.count)
                    return CZlib.deflate(s, flush)
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw XLSXError(.io, "压缩失败", "deflate failed")
                }
                let made = out.count - Int(s.pointee.avail_out)
                if made > 0 { try out.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<made])) } }
                if flush == Z_FINISH { if status == Z_STREAM_END { break } } else if s.pointee.avail_in == 0 && made < out.count { break }
            }
        }
    }

    func end() throws {
        guard let c = current else { return }
        try deflate([], flush: Z_FINISH)
        endStream()
        let compressed = sink.offset - c.start
        try checkSize(compressed)
        try checkSize(c.size)
        let crc = UInt32(truncatingIfNeeded: c.crc)
        try sink.write(Self.le32(0x0807_4B50) + Self.le32(Int(crc)) + Self.le32(compressed) + Self.le32(c.size))
        written.append(Written(name: c.name, crc: crc, compressed: compressed, uncompressed: c.size, offset: c.offset))
        current = nil
    }

    func entry(_ name: String, _ text: String) throws {
        try begin(name)
        try write(Array(text.utf8))
        try end()
    }

    /// The central directory and its end record.
    func finish() throws {
        let start = sink.offset
        for w in written {
            var h: [UInt8] = Self.le32(0x0201_4B50) + Self.le16(20) + Self.le16(20) + Self.le16(0x0808) + Self.le16(8)
            h += Self.le16(dosTime) + Self.le16(dosDate) + Self.le32(Int(w.crc)) + Self.le32(w.compressed) + Self.le32(w.uncompressed)
            h += Self.le16(w.name.count) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le32(0) + Self.le32(w.offset)
            try sink.write(h + w.name)
        }
        let size = sink.offset - start
        try checkSize(sink.offset)
        let end: [UInt8] = Self.le32(0x0605_4B50) + Self.le16(0) + Self.le16(0) + Self.le16(written.count) + Self.le16(written.count)
            + Self.le32(size) + Self.le32(start) + Self.le16(0)
        try sink.write(end)
    }
}
