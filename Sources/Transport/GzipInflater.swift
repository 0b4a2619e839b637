import CZlib

/// Gzip decoding as the body arrives, chunk by chunk: the compressed body is never kept, and
/// the caller sees every slice of output as it is produced, so a cap stops a bomb after at most
/// one slice more than the cap rather than after inflating the whole body.
public final class GzipInflater {
    private static let sliceSize = 32 * 1024
    private let stream: UnsafeMutablePointer<z_stream>
    private let slice: UnsafeMutablePointer<UInt8>
    /// The last member ended exactly at the end of the input fed so far.
    private var atMemberEnd = false
    private var fedAnything = false

    public init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        slice = .allocate(capacity: Self.sliceSize)
        let status = czlib_inflate_init_gzip(stream)
        guard status == Z_OK else {
            stream.deallocate()
            slice.deallocate()
            throw GzipError.zlib(code: status)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        slice.deallocate()
    }

    /// Inflates `input`, handing each produced slice to `sink`; an error thrown by `sink` (a
    /// cap) stops at once and is rethrown. Concatenated members are decoded as one body.
    public func feed(_ input: UnsafeRawBufferPointer, sink: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count > 0 else { return }
        fedAnything = true
        var offset = 0
        while offset < input.count {
            if atMemberEnd {
                // Another member follows (as `cat a.gz b.gz` produces).
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw GzipError.zlib(code: reset) }
                atMemberEnd = false
            }
            let take = min(input.count - offset, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base + offset)
            stream.pointee.avail_in = UInt32(take)
            repeat {
                stream.pointee.next_out = slice
                stream.pointee.avail_out = UInt32(Self.sliceSize)
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = Self.sliceSize - Int(stream.pointee.avail_out)
                if produced > 0 { try sink(UnsafeBufferPointer(start: slice, count: produced)) }
                switch status {
                case Z_STREAM_END:
                    atMemberEnd = true
                case Z_OK, Z_BUF_ERROR:
                    break
                case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                    throw GzipError.corrupt(stream.pointee.msg.map { String(cString: $0) } ?? "invalid data")
                default:
                    throw GzipError.zlib(code: status)
                }
                if atMemberEnd { break }
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
            offset += take - Int(stream.pointee.avail_in)
        }
    }

    /// Called after the last chunk: throws when the body stopped before a member's end.
    public func finish() throws(GzipError) {
        guard fedAnything, atMemberEnd else { throw GzipError.truncated }
    }
}
