#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Catalogue
import Importing
import JSON
import Standards

// MARK: - JSON Lines

/// Rows of a JSON Lines file: one object per line; keys are field names.
final class JSONLImportSource: ImportSource {
    let reader: LineReader
    let file: String
    private let fd: Int32
    private var lineNumber = 0

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CommandError("无法打开文件 \(path)：\(reason)", "cannot open \(path): \(reason)")
        }
        file = path
        reader = LineReader(fileDescriptor: fd)
    }

    deinit { close(fd) }

    func next() throws -> ImportRow? {
        while true {
            lineNumber += 1
            let bytes: ArraySlice<UInt8>
            do {
                guard let b = try reader.nextLine() else { return nil }
                bytes = b
            } catch {
                throw CommandError("文件 \(file) 第\(lineNumber)行：行过长（超过 1 MiB）；未导入任何记录",
                                   "\(file) line \(lineNumber): longer than 1 MiB; nothing was imported",
                                   details: JSONObject([("line", .int(lineNumber))]))
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            let value: JSONValue
            do { value = try JSONParser.parse(bytes: bytes) } catch {
                return ImportRow(line: lineNumber, patch: nil, issues: [lineIssue(lineNumber, rule: "jsonl.syntax",
                    "不是有效的 JSON：\(error)", "not valid JSON: \(error)")], raw: .json(text))
            }
            guard var object = value.objectValue else {
                return ImportRow(line: lineNumber, patch: nil, issues: [lineIssue(lineNumber, rule: "jsonl.not_object",
                    "应为 JSON 对象 {…}，实为 \(value.typeName)", "must be a JSON object {…}, found \(value.typeName)")],
                    raw: .json(text))
            }
            for k in ImportReserved.columns { object[k] = nil }
            return ImportRow(line: lineNumber, patch: object, issues: [], raw: .json(text))
        }
    }

    func rejectWriter(path: String?) throws -> RejectWriter {
        guard let path else { throw ImportFileError("JSON Lines 拒收文件需要路径", "a JSON Lines reject file needs a path") }
        return try JSONLRejectWriter(path: path)
    }
}

// MARK: - Reject files

/// JSON Lines: the input object with an "_error" member (ignored when imported again); a line
/// that was not an object is kept as text in "_original".
final class JSONLRejectWriter: RejectWriter {
    private let out: FileOutput

    init(path: String) throws { out = try FileOutput(path: path) }

    func write(_ raw: ImportRow.Raw, reason: String) throws {
        guard case .json(let text) = raw else { return }
        var object: JSONObject
        if let parsed = try? JSONParser.parse(text), var o = parsed.objectValue {
            o[ImportReserved.reasonKey] = nil
            object = o
        } else {
            object = JSONObject([("_original", .string(text))])
        }
        object.append(ImportReserved.reasonKey, .string(reason))
        try out.json(.object(object))
    }

    func close() throws { try out.close() }

    var bytes: [UInt8] { [] }
}

/// A buffered file writer that reports write errors (a full disk must not go unnoticed).
final class FileOutput {
    private var fd: Int32
    private var buffer: [UInt8] = []
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CommandError("无法创建文件 \(path)：\(reason)", "cannot create \(path): \(reason)")
        }
        buffer.reserveCapacity(1 << 16 + 4096)
    }

    deinit { if fd >= 0 { _ = try? flush(); Glibc.close(fd) } }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func json(_ value: JSONValue) throws {
        JSONWriter.write(value, into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        guard fd >= 0, !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw CommandError("写入文件 \(path) 失败：\(reason)", "cannot write \(path): \(reason)")
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        defer { if fd >= 0 { Glibc.close(fd); fd = -1 } }
        try flush()
    }
}
