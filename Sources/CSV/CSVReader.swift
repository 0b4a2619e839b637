#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming RFC 4180 reader for spreadsheets that community staff export from Excel.
///
/// It reads fixed-size chunks, so a million-row file costs the same memory as a ten-row one, and
/// every limit (field bytes, record bytes, fields per record) bounds memory on garbage input.
/// Beyond RFC 4180 it accepts LF and bare CR line ends (old Mac Excel), a final line without a line
/// end, a UTF-8 BOM, and skips blank lines. `recordLine` is the physical line where the last record
/// began, counting line breaks inside quoted fields, so error messages point where Excel users look.
///
/// Errors are thrown as `CSVError` and are sticky: after one, every call throws it again, since the
/// position inside a broken file is meaningless.
public final class CSVReader {
    public static let defaultChunkSize = 64 * 1024
    /// How much of the start of the file `.automatic` inspects.
    public static let detectionBytes = 64 * 1024

    /// The encoding actually used: `.utf8` or `.gb18030`, never `.automatic`.
    public let encoding: CSVEncoding
    /// 1-based physical line where the record last returned by `nextRecord()` began (0 before any).
    public private(set) var recordLine = 0

    private let maxFieldBytes: Int
    private let maxRecordBytes: Int
    private let maxFields: Int
    private let chunkSize: Int
    private let source: ByteSource
    private let decoder: GB18030Decoder?

    /// Decoded UTF-8 bytes being parsed: `buf[pos..<count]` are not yet consumed.
    private var buf: UnsafeMutablePointer<UInt8>
    private var bufCapacity: Int
    private var pos = 0
    private var count = 0
    /// Raw GB18030 input; the first `carry` bytes are an incomplete character from the last chunk.
    private var raw: UnsafeMutablePointer<UInt8>?
    private var carry = 0
    /// A GB18030 decoding error met after the bytes already in `buf`; thrown once they are parsed.
    private var decodeFailed = false

    /// Physical line of `buf[pos]`.
    private var line = 1
    /// The last byte consumed was a CR, so an LF right after it ends the same line.
    private var pendingCR = false
    private var field: [UInt8] = []
    private var failure: CSVError?
    private var atEnd = false

    private enum State {
        case recordStart, fieldStart, unquoted, quoted, quoteInQuoted
    }

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    /// Opens and reads the file at `path`; the file is closed by `close()` or when the reader goes away.
    public convenience init(path: String, encoding: CSVEncoding = .automatic, maxFieldBytes: Int = 1 << 20,
                            maxRecordBytes: Int = 16 << 20, maxFields: Int = 10_000,
                            chunkSize: Int = CSVReader.defaultChunkSize) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw CSVError(.io, line: 0, chinese: "无法打开文件 \(path)：\(reason)",
                           english: "cannot open \(path): \(reason)")
        }
        try self.init(source: ByteSource(descriptor: fd, owned: true), encoding: encoding,
                      maxFieldBytes: maxFieldBytes, maxRecordBytes: maxRecordBytes, maxFields: maxFields,
                      chunkSize: chunkSize)
    }

    /// Reads from an open descriptor (a pipe, stdin, an upload); `closeWhenDone` hands it over.
    public convenience init(fileDescriptor: Int32, closeWhenDone: Bool = false, encoding: CSVEncoding = .automatic,
                            maxFieldBytes: Int = 1 << 20, maxRecordBytes: Int = 16 << 20, maxFields: Int = 10_000,
                            chunkSize: Int = CSVReader.defaultChunkSize) throws {
        try self.init(source: ByteSource(descriptor: fileDescriptor, owned: closeWhenDone), encoding: encoding,
                      maxFieldBytes: maxFieldBytes, maxRecordBytes: maxRecordBytes, maxFields: maxFields,
                      chunkSize: chunkSize)
    }

    /// Reads bytes already in memory (an HTTP body, a test case), still chunk by chunk.
    public convenience init(bytes: [UInt8], encoding: CSVEncoding = .automatic, maxFieldBytes: Int = 1 << 20,
                            maxRecordBytes: Int = 16 << 20, maxFields: Int = 10_000,
                            chunkSize: Int = CSVReader.defaultChunkSize) throws {
        try self.init(source: ByteSource(bytes: bytes), encoding: encoding,
                      maxFieldBytes: maxFieldBytes, maxRecordBytes: maxRecordBytes, maxFields: maxFields,
                      chunkSize: chunkSize)
    }

    private init(source: ByteSource, encoding requested: CSVEncoding, maxFieldBytes: Int, maxRecordBytes: Int,
                 maxFields: Int, chunkSize: Int) throws {
        self.source = source
        self.maxFieldBytes = max(1, maxFieldBytes)
        self.maxRecordBytes = max(1, maxRecordBytes)
        self.maxFields = max(1, maxFields)
        self.chunkSize = max(1, chunkSize)

        // A UTF-8 BOM wins over the requested encoding: Excel writes it only for "CSV UTF-8", and a
        // GB18030 file never starts with 锘 followed by a lone byte.
        let head = try source.peek(requested == .automatic ? Self.detectionBytes : 4)
        let resolved: CSVEncoding
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            source.skip(3)
            resolved = .utf8
        } else if requested == .automatic {
            let check = head.withUnsafeBufferPointer { UTF8Check.check($0.baseAddress!, $0.count) }
            // A character cut by the end of the sample is fine unless the file ends there.
            let full = head.count == Self.detectionBytes
            resolved = check == .valid || (check == .truncated && full) ? .utf8 : .gb18030
        } else {
            resolved = requested
        }
        if resolved == .gb18030, head.starts(with: [0x84, 0x31, 0x95, 0x33]) {
            source.skip(4) // The GB18030 form of the BOM.
        }
        self.encoding = resolved

        if resolved == .gb18030 {
            decoder = try GB18030Decoder()
            raw = .allocate(capacity: self.chunkSize + 8)
            // GB18030 → UTF-8 grows at most 1.5×; the converter grows the buffer if ever needed.
            bufCapacity = self.chunkSize * 2 + 16
        } else {
            decoder = nil
            raw = nil
            bufCapacity = self.chunkSize
        }
        buf = .allocate(capacity: bufCapacity)
    }

    deinit {
        buf.deallocate()
        raw?.deallocate()
    }

    /// Releases the file now rather than when the reader is freed.
    public func close() {
        source.close()
        atEnd = true
    }

    /// The fields of the next non-blank record, or nil at the end of the input.
    public func nextRecord() throws -> [String]? {
        if let failure { throw failure }
        if atEnd { return nil }
        do {
            let record = try parseRecord()
            if record == nil { atEnd = true }
            return record
        } catch let error as CSVError {
            failure = error
            throw error
        }
    }

    /// All remaining records; for small inputs only, as it holds them in memory.
    public func readAll() throws -> [[String]] {
        var rows: [[String]] = []
        while let r = try nextRecord() { rows.append(r) }
        return rows
    }

    // MARK: - Parsing

    private func parseRecord() throws -> [String]? {
        var fields: [String] = []
        var state = State.recordStart
        var fieldLine = line
        var recordBytes = 0
        field.removeAll(keepingCapacity: true)

        var p = pos
        var end = count
        var ln = line
        var pcr = pendingCR
        var b = buf
        defer {
            pos = p
            line = ln
            pendingCR = pcr
        }

        /// Turns the field's bytes into a string and checks the per-record limits.
        func addField(_ start: UnsafePointer<UInt8>, _ n: Int) throws {
            if n > maxFieldBytes { throw fieldTooLong(fieldLine) }
            if fields.count >= maxFields {
                throw CSVError(.tooManyFields, line: recordLine,
                               chinese: "一行的字段超过 \(maxFields) 个",
                               english: "more than \(maxFields) fields in a record")
            }
            recordBytes += n + 1
            if recordBytes > maxRecordBytes {
                throw CSVError(.recordTooLong, line: recordLine,
                               chinese: "一条记录超过 \(maxRecordBytes) 字节",
                               english: "record longer than \(maxRecordBytes) bytes")
            }
            if decoder == nil, !UTF8Check.isValid(start, n) {
                throw CSVError(.invalidEncoding, line: fieldLine,
                               chinese: "不是有效的 UTF-8 文本（文件可能是 GB18030/GBK 编码，请选择正确的编码）",
                               english: "invalid UTF-8 (the file may be GB18030/GBK; choose the right encoding)")
            }
            fields.append(String(decoding: UnsafeBufferPointer(start: start, count: n), as: UTF8.self))
        }

        func addAccumulatedField() throws {
            try field.withUnsafeBufferPointer { f in
                try addField(f.baseAddress ?? UnsafePointer(b), f.count)
            }
            field.removeAll(keepingCapacity: true)
        }

        func accumulate(_ start: UnsafePointer<UInt8>, _ n: Int) throws {
            if n == 0 { return }
            if field.count + n > maxFieldBytes { throw fieldTooLong(fieldLine) }
            field.append(contentsOf: UnsafeBufferPointer(start: start, count: n))
        }

        while true {
            if p == end {
                pos = p
                line = ln
                let more = try refill()
                p = pos
                end = count
                b = buf
                if more { continue }
                switch state {
                case .recordStart:
                    return nil
                case .quoted:
                    throw CSVError(.unterminatedQuote, line: fieldLine,
                                   chinese: "引号没有闭合（从本行开始的带引号字段直到文件末尾）",
                                   english: "unterminated quoted field (from this line to the end of the file)")
                case .fieldStart, .unquoted, .quoteInQuoted:
                    try addAccumulatedField()
                    return fields
                }
            }

            switch state {
            case .recordStart:
                let c = b[p]
                if c == Self.lf {
                    if pcr { pcr = false } else { ln += 1 }
                    p += 1
                } else if c == Self.cr {
                    ln += 1
                    pcr = true
                    p += 1
                } else {
                    pcr = false
                    recordLine = ln
                    state = .fieldStart
                }

            case .fieldStart:
                fieldLine = ln
                if b[p] == Self.quote {
                    state = .quoted
                    p += 1
                } else {
                    state = .unquoted
                }

            case .unquoted:
                var j = p
                while j < end {
                    let c = b[j]
                    if c == Self.comma || c == Self.quote || c == Self.cr || c == Self.lf { break }
                    j += 1
                }
                if j == end {
                    try accumulate(b + p, j - p)
                    p = j
                    continue
                }
                let c = b[j]
                if c == Self.quote {
                    throw CSVError(.strayQuote, line: ln,
                                   chinese: "未加引号的字段中出现了引号（含引号的字段须整体用引号括起，内部引号写成两个）",
                                   english: "quote inside an unquoted field (quote the whole field and double inner quotes)")
                }
                if field.isEmpty {
                    try addField(b + p, j - p)
                } else {
                    try accumulate(b + p, j - p)
                    try addAccumulatedField()
                }
                p = j + 1
                if c == Self.comma {
                    state = .fieldStart
                } else {
                    ln += 1
                    pcr = c == Self.cr
                    return fields
                }

            case .quoted:
                var j = p
                while j < end {
                    let c = b[j]
                    if c == Self.quote { break }
                    if c == Self.lf {
                        if pcr { pcr = false } else { ln += 1 }
                    } else if c == Self.cr {
                        ln += 1
                        pcr = true
                    } else {
                        pcr = false
                    }
                    j += 1
                }
                try accumulate(b + p, j - p)
                p = j
                if j < end {
                    pcr = false
                    p += 1
                    state = .quoteInQuoted
                }

            case .quoteInQuoted:
                let c = b[p]
                if c == Self.quote {
                    try accumulate(b + p, 1)
                    p += 1
                    state = .quoted
                } else if c == Self.comma {
                    try addAccumulatedField()
                    p += 1
                    state = .fieldStart
                } else if c == Self.cr || c == Self.lf {
                    try addAccumulatedField()
                    p += 1
                    ln += 1
                    pcr = c == Self.cr
                    return fields
                } else {
                    throw CSVError(.textAfterQuote, line: ln,
                                   chinese: "右引号后面出现了多余的字符（字段内的引号要写成两个）",
                                   english: "text after a closing quote (double quotes inside a quoted field)")
                }
            }
        }
    }

    private func fieldTooLong(_ line: Int) -> CSVError {
        CSVError(.fieldTooLong, line: line, chinese: "字段超过 \(maxFieldBytes) 字节（可能是引号没有闭合）",
                 english: "field longer than \(maxFieldBytes) bytes (perhaps an unterminated quote)")
    }

    // MARK: - Input

    /// Fills `buf` with the next decoded bytes; false at the end of the input.
    private func refill() throws -> Bool {
        pos = 0
        count = 0
        guard let decoder, let raw else {
            count = try source.read(into: buf, max: chunkSize)
            return count > 0
        }
        while true {
            if decodeFailed { throw invalidGB18030() }
            let n = try source.read(into: raw + carry, max: chunkSize)
            let total = carry + n
            if n == 0 {
                if carry > 0 {
                    carry = 0
                    decodeFailed = true
                    throw CSVError(.invalidEncoding, line: line,
                                   chinese: "文件在一个 GB18030 字符的中间结束",
                                   english: "the file ends inside a GB18030 character")
                }
                return false
            }
            var consumed = 0
            var produced = 0
            convert: while true {
                let r = decoder.convert(raw + consumed, count: total - consumed,
                                        into: buf + produced, capacity: bufCapacity - produced)
                consumed += r.consumed
                produced += r.produced
                switch r.stop {
                case .done, .incomplete:
                    break convert
                case .invalid:
                    decodeFailed = true
                    break convert
                case .outputFull:
                    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: bufCapacity * 2)
                    bigger.update(from: buf, count: produced)
                    buf.deallocate()
                    buf = bigger
                    bufCapacity *= 2
                }
            }
            carry = decodeFailed ? 0 : total - consumed
            if carry > 8 { // iconv never leaves more than a character's worth; treat anything else as bad input
                carry = 0
                decodeFailed = true
            }
            if carry > 0 { raw.update(from: raw + consumed, count: carry) }
            if produced > 0 {
                count = produced
                return true
            }
        }
    }

    private func invalidGB18030() -> CSVError {
        CSVError(.invalidEncoding, line: line,
                 chinese: "不是有效的 GB18030 文本（文件可能已损坏，或使用了其他编码）",
                 english: "invalid GB18030 text (the file may be damaged or in another encoding)")
    }
}
