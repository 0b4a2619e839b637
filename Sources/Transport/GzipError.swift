/// Why a gzip body could not be decoded; the server maps `tooLarge` to 413 and the rest to 400.
public enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The decompressed size would exceed the caller's cap (a likely gzip bomb).
    case tooLarge(limit: Int)
    /// The input ended before the gzip trailer.
    case truncated
    /// The input is not valid gzip (bad header, bad deflate data or checksum mismatch).
    case corrupt(String)
    /// zlib itself failed (out of memory or an internal error).
    case zlib(code: Int32)

    public var description: String {
        switch self {
        case .tooLarge(let limit): return "gzip body decompresses to more than \(limit) bytes"
        case .truncated: return "gzip body is truncated"
        case .corrupt(let detail): return "gzip body is corrupt: \(detail)"
        case .zlib(let code): return "zlib failed with code \(code)"
        }
    }
}
