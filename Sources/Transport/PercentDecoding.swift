/// Decodes the URL path and query text that libmicrohttpd hands over untouched (the server
/// installs an unescape callback that leaves them as sent), refusing what no rootsync client
/// sends: "%00" once truncated a path in C and listed every record.
enum PercentDecoding {
    /// `text` with every `%HH` decoded; refuses bad escapes, NUL and other control characters,
    /// and bytes that are not UTF-8. `what` names the part for the message ("path", "query").
    static func decode(_ text: String, what: String) throws(RequestRefusal) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw RequestRefusal(400, zh: "\(zhName(what))中有无效的百分号编码", en: "invalid percent-encoding in the \(what)")
            }
            bytes.append(high << 4 | low)
        }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw RequestRefusal(400, zh: "\(zhName(what))中不得含有 NUL 或控制字符", en: "NUL or control characters in the \(what)")
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw RequestRefusal(400, zh: "\(zhName(what))不是有效的 UTF-8", en: "the \(what) is not valid UTF-8")
        }
        return decoded
    }

    private static func zhName(_ what: String) -> String {
        what == "path" ? "路径" : "查询参数"
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
