import CZlib

/// Gzip (RFC 1952) for HTTP bodies: replicas exchange large, repetitive JSON over slow links.
///
/// Decompression always takes a hard output cap, because bodies come from the network
/// and a few hundred kilobytes of gzip can expand to gigabytes.
public enum Gzip {
    /// zlib takes at most `UInt32.max` bytes per call; feed larger buffers in slices.
    private static let maxSlice = Int(UInt32.max)
    private static let chunkSize = 256 * 1024

    /// Compresses `input` into a single gzip member. `level` is clamped to 0...9.
    public static func compress(_ input: [UInt8], level: Int = 6) -> [UInt8] {
        var stream = z_stream()
        let status = czlib_deflate_init_gzip(&stream, Int32(min(max(level, 0), 9)))
        // Only fails on out-of-memory or a bad level, which the clamp rules out.
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        defer { deflateEnd(&stream) }

        var output = [UInt8]()
        output.reserveCapacity(min(Int(deflateBound(&stream, UInt(input.count))), 64 * 1024 * 1024))
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        input.withUnsafeBufferPointer { source in
            var offset = 0
            var flush = Z_NO_FLUSH
            repeat {
                let take = min(source.count - offset, maxSlice)
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.advanced(by: offset))
                stream.avail_in = UInt32(take)
                offset += take
                flush = offset == source.count ? Z_FINISH : Z_NO_FLUSH
                repeat {
                    let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        _ = deflate(&stream, flush)
                        return out.count - Int(stream.avail_out)
                    }
                    output.append(contentsOf: chunk[0..<produced])
                } while stream.avail_out == 0
            } while flush != Z_FINISH
        }
        return output
    }

    /// Decompresses gzip data (concatenated members allowed), refusing to produce more than
    /// `maxOutput` bytes.
    public static func decompress(_ input: [UInt8], maxOutput: Int) throws -> [UInt8] {
        guard !input.isEmpty else { throw GzipError.truncated }
        var stream = z_stream()
        let initStatus = czlib_inflate_init_gzip(&stream)
        guard initStatus == Z_OK else { throw GzipError.zlib(code: initStatus) }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try input.withUnsafeBufferPointer { source in
            var offset = 0
            func refill() {
                let take = min(source.count - offset, maxSlice)
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.advanced(by: offset))
                stream.avail_in = UInt32(take)
                offset += take
            }
            refill()
            while true {
                var status: Int32 = Z_OK
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if produced > maxOutput - output.count { throw GzipError.tooLarge(limit: maxOutput) }
                output.append(contentsOf: chunk[0..<produced])
                if stream.avail_in == 0 && offset < source.count { refill() }
                let inputLeft = stream.avail_in > 0 || offset < source.count

                switch status {
                case Z_STREAM_END:
                    guard inputLeft else { return }
                    // Another gzip member follows (as `cat a.gz b.gz` produces).
                    let reset = inflateReset(&stream)
                    guard reset == Z_OK else { throw GzipError.zlib(code: reset) }
                case Z_OK:
                    // Output space left over and no input to fill it: the stream stopped early.
                    if !inputLeft && stream.avail_out > 0 { throw GzipError.truncated }
                case Z_BUF_ERROR:
                    // No progress possible: all input consumed before the end of the stream.
                    if !inputLeft { throw GzipError.truncated }
                case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                    throw GzipError.corrupt(stream.msg.map { String(cString: $0) } ?? "invalid data")
                default:
                    throw GzipError.zlib(code: status)
                }
            }
        }
        return output
    }
}
