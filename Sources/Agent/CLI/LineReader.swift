#if canImport(Glibc)
import Glibc
#endif

/// Reads lines from a file descriptor (or memory) with a fixed buffer, so standard input of any
/// length is processed in constant memory. Accepts LF and CRLF endings; a UTF-8 BOM is dropped.
public final class LineReader {
    private let fd: Int32?
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var first = true
    /// Longest accepted line; longer input is an error rather than unbounded memory.
    public let maxLineBytes: Int

    public init(fileDescriptor: Int32, maxLineBytes: Int = 1 << 20) {
        fd = fileDescriptor
        self.maxLineBytes = maxLineBytes
    }

    public init(bytes: [UInt8], maxLineBytes: Int = 1 << 20) {
        fd = nil
        buffer = bytes
        eof = true
        self.maxLineBytes = maxLineBytes
    }

    public convenience init(text: String) { self.init(bytes: Array(text.utf8)) }

    public struct LineTooLong: Error {}

    /// The descriptor when it is a terminal (a person typing), nil for files, pipes and memory.
    public var terminal: Int32? {
        guard let fd, isatty(fd) == 1 else { return nil }
        return fd
    }

    /// The next line read with the terminal's echo off (a password typed by a person), or as
    /// `nextLineText` when the input is not a terminal.
    public func nextSecretLine() throws -> String? {
        guard let fd = terminal else { return try nextLineText() }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return try nextLineText() }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        guard tcsetattr(fd, TCSANOW, &quiet) == 0 else { return try nextLineText() }
        defer { _ = tcsetattr(fd, TCSANOW, &saved) }
        return try nextLineText()
    }

    /// The next line's bytes without its terminator, or nil at the end.
    public func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                var end = nl
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                var line = buffer[start..<end]
                start = nl + 1
                stripBOM(&line)
                return line
            }
            if buffer.count - start > maxLineBytes { throw LineTooLong() }
            if eof {
                guard start < buffer.count else { return nil }
                var line = buffer[start...]
                start = buffer.count
                if line.last == 0x0D { line = line.dropLast() }
                stripBOM(&line)
                return line
            }
            fill()
        }
    }

    /// The next line as text (invalid UTF-8 is replaced, never trapped on).
    public func nextLineText() throws -> String? {
        try nextLine().map { String(decoding: $0, as: UTF8.self) }
    }

    private func stripBOM(_ line: inout ArraySlice<UInt8>) {
        if first {
            first = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        }
    }

    private func fill() {
        guard let fd else { eof = true; return }
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { eof = true; return }
            buffer.append(contentsOf: chunk[0..<n])
            return
        }
    }
}
