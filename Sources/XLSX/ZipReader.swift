/// A strict reader of the ZIP archives .xlsx files are: one disk, no ZIP64, no encryption, entries
/// stored or deflated. It reads only the central directory up front and inflates an entry only
/// when asked, chunk by chunk, never beyond the size the directory declares (zip bombs stop there),
/// checking each entry's CRC-32 and size at its end.
struct ZipReader {
    let input: ArchiveInput
    let entries: [String: ZipEntry]
    /// Where the central directory starts: every entry's data must lie before it.
    let directoryOffset: Int

    init(_ input: ArchiveInput, limits: XLSXLimits) throws {
        self.input = input
        let size = input.size
        guard size >= 22 else { throw Self.notZip }
        // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try input.read(at: size - tailLength, count: tailLength)
        var found: Int?
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06, i + 22 + tail.le16(i + 20) == tail.count {
                found = i
                break
            }
            i -= 1
        }
        guard let e = found else { throw Self.notZip }
        let disk = tail.le16(e + 4), directoryDisk = tail.le16(e + 6)
        let onDisk = tail.le16(e + 8), total = tail.le16(e + 10)
        let directorySize = tail.le32(e + 12), offset = tail.le32(e + 16)
        if onDisk == 0xFFFF || total == 0xFFFF || directorySize == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            throw XLSXError(.notZip, "不支持 ZIP64 格式的文件（超过 4 GB 或条目过多）", "ZIP64 archives are not supported")
        }
        guard disk == 0, directoryDisk == 0, onDisk == total else {
            throw XLSXError(.notZip, "不支持分卷 ZIP 文件", "multi-disk archives are not supported")
        }
        guard total <= limits.maxEntries, directorySize <= limits.maxCentralDirectoryBytes else {
            throw XLSXError(.tooLarge, "文件的目录过大（\(total) 个条目）", "the archive's central directory is too large (\(total) entries)")
        }
        let eocdOffset = size - tailLength + e
        guard offset + directorySize <= eocdOffset else { throw Self.badDirectory("超出文件范围", "it lies outside the file") }
        let directory = try input.read(at: offset, count: directorySize)
        var entries: [String: ZipEntry] = [:]
        var p = 0
        for _ in 0..<total {
            guard p + 46 <= directory.count, directory.le32(p) == 0x0201_4B50 else {
                throw Self.badDirectory("条目头损坏", "an entry header is damaged")
            }
            let flags = directory.le16(p + 8), method = directory.le16(p + 10)
            let crc = UInt32(directory.le32(p + 16))
            let compressed = directory.le32(p + 20), uncompressed = directory.le32(p + 24)
            let nameLength = directory.le16(p + 28), extraLength = directory.le16(p + 30), commentLength = directory.le16(p + 32)
            let local = directory.le32(p + 42)
            let next = p + 46 + nameLength + extraLength + commentLength
            guard next <= directory.count else { throw Self.badDirectory("条目长度超出目录", "an entry runs past the directory's end") }
            guard flags & 1 == 0 else {
                throw XLSXError(.notZip, "文件已加密，请在 Excel 中取消密码后另存", "the archive is encrypted; remove the password in Excel and save again")
            }
            guard let name = String(validating: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self) else {
                throw Self.badDirectory("条目名称不是 UTF-8", "an entry name is not UTF-8")
            }
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                throw XLSXError(.notZip, "不支持 ZIP64 格式的文件", "ZIP64 archives are not supported")
            }
            guard local + 30 <= offset, compressed <= offset - local - 30 else {
                throw Self.badDirectory("条目“\(name)”的数据超出范围", "entry \(name) points outside the data area")
            }
            guard entries[name] == nil else { throw Self.badDirectory("条目“\(name)”重复", "entry \(name) appears twice") }
            entries[name] = ZipEntry(name: name, method: method, crc32: crc, compressedSize: compressed,
                                     uncompressedSize: uncompressed, localHeaderOffset: local)
            p = next
        }
        self.entries = entries
        directoryOffset = offset
    }

    static let notZip = XLSXError(.notZip, "不是 Excel 工作簿（.xlsx）文件：ZIP 结构无法识别。旧版 .xls 请在 Excel 中另存为 .xlsx 或 CSV",
                                  "not an Excel workbook (.xlsx): no ZIP structure found; save an old .xls as .xlsx or CSV")

    static func badDirectory(_ zh: String, _ en: String) -> XLSXError {
        XLSXError(.badArchive, "文件已损坏：ZIP 目录\(zh)", "damaged archive: the central directory is inconsistent (\(en))")
    }

    /// A stream of the inflated bytes of entry `name`, at most `limit` of them.
    func open(_ name: String, limit: Int) throws -> ZipEntryStream? {
        guard let entry = entries[name] else { return nil }
        guard entry.uncompressedSize <= limit else {
            throw XLSXError(.tooLarge, "文件中的“\(name)”解压后有 \(entry.uncompressedSize) 字节，超过上限 \(limit)",
                            "\(name) inflates to \(entry.uncompressedSize) bytes, above the limit of \(limit)")
        }
        let header = try input.read(at: entry.localHeaderOffset, count: 30)
        guard header.le32(0) == 0x0403_4B50 else {
            throw XLSXError(.badArchive, "文件已损坏：“\(name)”的本地文件头缺失", "damaged archive: the local header of \(name) is missing")
        }
        let nameLength = header.le16(26), extraLength = header.le16(28)
        let localName = try input.read(at: entry.localHeaderOffset + 30, count: nameLength)
        guard localName == Array(name.utf8) else {
            throw XLSXError(.badArchive, "文件已损坏：“\(name)”的本地文件头与目录不符", "damaged archive: the local header of \(name) disagrees with the directory")
        }
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        guard start <= directoryOffset, entry.compressedSize <= directoryOffset - start else {
            throw XLSXError(.badArchive, "文件已损坏：“\(name)”的数据超出范围", "damaged archive: the data of \(name) runs into the directory")
        }
        return try ZipEntryStream(input: input, entry: entry, dataOffset: start)
    }

    /// The whole inflated entry, for the small parts (at most `limit` bytes).
    func bytes(_ name: String, limit: Int) throws -> [UInt8]? {
        guard let stream = try open(name, limit: limit) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(stream.entry.uncompressedSize)
        while try stream.read(into: &out) {}
        return out
    }
}
