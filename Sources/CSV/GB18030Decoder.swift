#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// GB18030 → UTF-8 through the C library's iconv, which knows the full GB18030 table (including
/// the four-byte sequences for rare characters in names) without shipping our own.
final class GB18030Decoder {
    enum Stop {
        /// All input converted.
        case done
        /// The input ends inside a multi-byte sequence: keep the tail for the next chunk.
        case incomplete
        /// A byte sequence that is not GB18030.
        case invalid
        /// The output buffer is full.
        case outputFull
    }

    private let cd: iconv_t

    init() throws {
        guard let cd = iconv_open("UTF-8", "GB18030"), Int(bitPattern: cd) != -1 else {
            throw CSVError(.invalidEncoding, line: 0,
                           chinese: "本机的 iconv 不支持 GB18030 转换",
                           english: "iconv on this system cannot convert GB18030")
        }
        self.cd = cd
    }

    deinit { iconv_close(cd) }

    /// Converts as much of `input` as possible; returns bytes consumed, bytes produced and why it stopped.
    func convert(_ input: UnsafeMutablePointer<UInt8>, count: Int,
                 into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> (consumed: Int, produced: Int, stop: Stop) {
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(input).assumingMemoryBound(to: CChar.self)
        var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output).assumingMemoryBound(to: CChar.self)
        var inLeft = count
        var outLeft = capacity
        let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
        let e = errno
        let consumed = count - inLeft
        let produced = capacity - outLeft
        if r != -1 { return (consumed, produced, .done) }
        switch e {
        case EINVAL: return (consumed, produced, .incomplete)
        case E2BIG: return (consumed, produced, .outputFull)
        default: return (consumed, produced, .invalid)
        }
    }
}
