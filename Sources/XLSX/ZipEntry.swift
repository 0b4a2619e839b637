/// One file of a ZIP archive as its central directory describes it.
struct ZipEntry: Sendable {
    let name: String
    /// 0 stored, 8 deflated; nothing else is accepted.
    let method: Int
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    let localHeaderOffset: Int
}
