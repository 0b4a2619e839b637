/// Decodes single lines of text in UTF-8 or GB18030, for line-by-line tools (`rootsync check`)
/// that read a column cut out of an Excel sheet and must keep one answer per input line.
///
/// `.automatic` decides on the first line that is not plain ASCII, as `CSVReader` decides on the
/// start of a file: valid UTF-8 means UTF-8, anything else GB18030; the choice then holds for the
/// rest of the input, so one odd line cannot switch a GB18030 file to UTF-8 halfway.
public final class LineDecoder {
    /// `.utf8` or `.gb18030` once known; `.automatic` until a non-ASCII line has been seen.
    public private(set) var encoding: CSVEncoding
    private var decoder: GB18030Decoder?
    private var output: [UInt8] = []

    public init(encoding: CSVEncoding) {
        self.encoding = encoding
    }

    /// The line as text. Invalid bytes in the chosen encoding are an error naming the encoding,
    /// never silently replaced.
    public func decode(_ bytes: ArraySlice<UInt8>, line: Int) throws -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        let valid = bytes.withUnsafeBufferPointer { UTF8Check.isValid($0.baseAddress!, $0.count) }
        if encoding == .automatic { encoding = valid ? .utf8 : .gb18030 }
        if encoding == .utf8 {
            guard valid else {
                throw CSVError(.invalidEncoding, line: line,
                               chinese: "第 \(line) 行不是有效的 UTF-8 文本（可能是 GB18030/GBK，请用 --encoding gb18030）",
                               english: "line \(line) is not valid UTF-8 (perhaps GB18030/GBK: use --encoding gb18030)")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return try decodeGB18030(bytes, line: line)
    }

    private func decodeGB18030(_ bytes: ArraySlice<UInt8>, line: Int) throws -> String {
        if decoder == nil { decoder = try GB18030Decoder() }
        var input = Array(bytes)
        // GB18030 → UTF-8 grows at most 1.5×.
        let capacity = input.count * 2 + 8
        if output.count < capacity { output = [UInt8](repeating: 0, count: capacity) }
        let result = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                decoder!.convert(inBuffer.baseAddress!, count: inBuffer.count,
                                 into: outBuffer.baseAddress!, capacity: outBuffer.count)
            }
        }
        guard result.stop == .done, result.consumed == input.count else {
            decoder = nil // iconv keeps state after an error; start afresh on the next line.
            throw CSVError(.invalidEncoding, line: line,
                           chinese: "第 \(line) 行不是有效的 GB18030 文本（可能是 UTF-8，请用 --encoding utf8）",
                           english: "line \(line) is not valid GB18030 (perhaps UTF-8: use --encoding utf8)")
        }
        return String(decoding: output[0..<result.produced], as: UTF8.self)
    }
}
