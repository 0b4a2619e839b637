#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes CSV the way Excel reads it best: UTF-8 with a BOM (without it Chinese Excel assumes
/// GB18030 and shows mojibake), CRLF line ends, and quotes only where needed, so the output of
/// `CSVWriter` read back by `CSVReader` gives exactly the records written.
///
/// Output is buffered in 64 KiB blocks. Call `close()` (or `flush()`) to see write errors; `deinit`
/// flushes as a last resort but cannot report failures.
public final class CSVWriter {
    public static let bufferSize = 64 * 1024

    private enum Target {
        case descriptor(Int32, owned: Bool)
        case memory
        case closed
    }

    private var target: Target
    private var buffer: [UInt8] = []
    private let neutralizeFormulas: Bool

    /// Everything written so far, for a writer created with `init(bom:neutralizeFormulas:)`.
    public var bytes: [UInt8] {
        if case .descriptor = target { return [] }
        return buffer
    }

    /// Creates (or truncates) the file at `path` with mode 0644.
    ///
    /// - Parameter neutralizeFormulas: see `init(fileDescriptor:…)`.
    public convenience init(path: String, bom: Bool = true, neutralizeFormulas: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw CSVError(.io, line: 0, chinese: "无法创建文件 \(path)：\(reason)",
                           english: "cannot create \(path): \(reason)")
        }
        self.init(target: .descriptor(fd, owned: true), bom: bom, neutralizeFormulas: neutralizeFormulas)
    }

    /// Writes to an open descriptor; `closeWhenDone` hands it over to the writer.
    ///
    /// - Parameter neutralizeFormulas: prefix `'` to text that Excel would run as a formula
    ///   (`=…`, `@…`, and `+`/`-` followed by something that makes it not a plain number), so a
    ///   crafted name such as `=HYPERLINK(…)` in exported records cannot execute when a clerk opens
    ///   the file. Numbers such as `-12.5` or `+86` are left alone. Off by default because the `'`
    ///   becomes part of the value for any program other than Excel, including rootsync's own import:
    ///   use it only for files meant for people.
    public convenience init(fileDescriptor: Int32, closeWhenDone: Bool = false, bom: Bool = true,
                            neutralizeFormulas: Bool = false) {
        self.init(target: .descriptor(fileDescriptor, owned: closeWhenDone), bom: bom,
                  neutralizeFormulas: neutralizeFormulas)
    }

    /// Writes into memory (an HTTP response body, a test); read the result from `bytes`.
    public convenience init(bom: Bool = false, neutralizeFormulas: Bool = false) {
        self.init(target: .memory, bom: bom, neutralizeFormulas: neutralizeFormulas)
    }

    private init(target: Target, bom: Bool, neutralizeFormulas: Bool) {
        self.target = target
        self.neutralizeFormulas = neutralizeFormulas
        if case .descriptor = target { buffer.reserveCapacity(Self.bufferSize + 1024) }
        if bom { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    }

    deinit {
        try? close()
    }

    /// Writes one record. An empty array writes nothing: a blank line is not a record in CSV.
    public func write(_ fields: [String]) throws {
        if case .closed = target {
            throw CSVError(.io, line: 0, chinese: "CSV 文件已关闭", english: "the CSV writer is closed")
        }
        if fields.isEmpty { return }
        for (i, f) in fields.enumerated() {
            if i > 0 { buffer.append(0x2C) }
            var value = neutralizeFormulas && Self.looksLikeFormula(f) ? "'" + f : f
            // A lone empty field must be quoted, or the line would be blank and skipped on reading.
            let forceQuote = fields.count == 1 && value.isEmpty
            value.withUTF8 { append($0, forceQuote: forceQuote) }
        }
        buffer.append(contentsOf: [0x0D, 0x0A])
        if case .descriptor = target, buffer.count >= Self.bufferSize { try flush() }
    }

    /// Writes buffered bytes to the descriptor (no-op for memory).
    public func flush() throws {
        guard case .descriptor(let fd, _) = target, !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let r = systemWrite(fd, b.baseAddress! + done, b.count - done)
                if r < 0 {
                    let e = errno
                    if e == EINTR { continue }
                    let reason = String(cString: strerror(e))
                    throw CSVError(.io, line: 0, chinese: "写入文件失败：\(reason)", english: "write failed: \(reason)")
                }
                done += r
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, if the writer owns the descriptor, closes it. Further writes throw.
    public func close() throws {
        defer {
            if case .descriptor(let fd, owned: true) = target { _ = systemClose(fd) }
            if case .descriptor = target { target = .closed }
        }
        try flush()
    }

    // MARK: - Encoding fields

    private func append(_ s: UnsafeBufferPointer<UInt8>, forceQuote: Bool) {
        guard forceQuote || Self.needsQuotes(s) else {
            buffer.append(contentsOf: s)
            return
        }
        buffer.append(0x22)
        for c in s {
            if c == 0x22 { buffer.append(0x22) }
            buffer.append(c)
        }
        buffer.append(0x22)
    }

    /// Quotes are needed for separators and line breaks, and for edge spaces and a leading BOM,
    /// which other programs (and Excel) trim or drop from unquoted fields.
    static func needsQuotes(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = s.first, let last = s.last else { return false }
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        if s.count >= 3, s[0] == 0xEF, s[1] == 0xBB, s[2] == 0xBF { return true }
        for c in s where c == 0x2C || c == 0x22 || c == 0x0D || c == 0x0A { return true }
        return false
    }

    /// Text Excel would evaluate: `=` or `@` first, or `+`/`-` first when the field is not a plain
    /// number. Checking the whole field (not just the second character) also catches payloads
    /// such as `-2+3+cmd|…`, while `-12.5`, `+86`, `-1,234` and `-5%` stay numbers.
    public static func looksLikeFormula(_ s: String) -> Bool {
        var it = s.utf8.makeIterator()
        guard let first = it.next() else { return false }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "@"):
            return true
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let rest = Array(s.utf8.dropFirst())
            return !rest.isEmpty && !isPlainNumber(rest)
        default:
            return false
        }
    }

    /// Digits with optional `,` grouping, one `.`, an exponent and a trailing `%`.
    private static func isPlainNumber(_ s: [UInt8]) -> Bool {
        var i = 0
        var digits = 0
        var dot = false
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < s.count {
            let c = s[i]
            if isDigit(c) {
                digits += 1
            } else if c == UInt8(ascii: ".") && !dot {
                dot = true
            } else if c == UInt8(ascii: ",") && digits > 0 && i + 1 < s.count && isDigit(s[i + 1]) && !dot {
                // A thousands separator, as in -1,234.
            } else {
                break
            }
            i += 1
        }
        if digits == 0 { return false }
        if i < s.count, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            var j = i + 1
            if j < s.count, s[j] == UInt8(ascii: "+") || s[j] == UInt8(ascii: "-") { j += 1 }
            let start = j
            while j < s.count, isDigit(s[j]) { j += 1 }
            if j == start { return false }
            i = j
        }
        if i < s.count, s[i] == UInt8(ascii: "%") { i += 1 }
        return i == s.count
    }
}
