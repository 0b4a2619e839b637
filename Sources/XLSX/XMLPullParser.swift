/// A strict pull parser for the XML of SpreadsheetML parts, reading from a stream of chunks so a
/// sheet of a million rows is never held whole. It accepts well-formed XML without a DOCTYPE
/// (refused outright: entity definitions are how XML bombs work), decodes the five predefined
/// entities and character references, checks UTF-8 and nesting, and bounds every token. Text is
/// only turned into strings while `capturing` is on (inside the few elements a reader wants).
final class XMLPullParser {
    enum Event: Equatable {
        /// A start tag: its local name (prefix dropped) and attributes by local name.
        case start(String, [Attribute], selfClosing: Bool)
        case end(String)
        /// Character data (only while `capturing`).
        case text(String)
    }

    struct Attribute: Equatable {
        let name: String
        let value: String
    }

    /// Whether text is materialized; set by the reader around the elements whose text it wants.
    var capturing = false
    private let part: String
    private let fill: (inout [UInt8]) throws -> Bool
    private var buf: [UInt8] = []
    private var pos = 0
    private var atEnd = false
    private var stack: [String] = []
    private var rootSeen = false
    private let maxDepth: Int
    private let maxToken: Int

    /// `fill` appends the next bytes of the part to the array it is given, false at the end.
    init(part: String, limits: XLSXLimits, fill: @escaping (inout [UInt8]) throws -> Bool) {
        self.part = part
        self.fill = fill
        maxDepth = limits.maxDepth
        // A cell of 32,767 characters takes at most 4 bytes each, or 10 as a character reference.
        maxToken = max(limits.maxCellCharacters * 10, 1 << 16)
        buf.reserveCapacity(1 << 17)
    }

    convenience init(part: String, bytes: [UInt8], limits: XLSXLimits) {
        var given = false
        self.init(part: part, limits: limits) { out in
            if given { return false }
            given = true
            out.append(contentsOf: bytes)
            return true
        }
    }

    func error(_ zh: String, _ en: String) -> XLSXError {
        XLSXError(.badXML, "文件已损坏：“\(part)”不是有效的 XML（\(zh)）", "damaged workbook: \(part) is not valid XML (\(en))")
    }

    /// Makes at least `n` bytes available at `pos` when the stream has them; false when it does not.
    private func available(_ n: Int) throws -> Bool {
        while buf.count - pos < n {
            if atEnd { return false }
            if pos > (1 << 16) {
                buf.removeSubrange(0..<pos)
                pos = 0
            }
            if !(try fill(&buf)) { atEnd = true }
        }
        return true
    }

    /// The offset (from `pos`) of the first `byte` at or after `from`, reading more as needed;
    /// nil at the end of the stream. Tokens are bounded by `maxToken`.
    private func find(_ byte: UInt8, from: Int = 0) throws -> Int? {
        var i = from
        while true {
            while pos + i < buf.count {
                if buf[pos + i] == byte { return i }
                i += 1
                if i > maxToken { throw error("单个标记或文本过长", "a token is too long") }
            }
            if !(try available(i + 1)) { return nil }
        }
    }

    /// The next event, nil at the end of a well-formed document.
    func next() throws -> Event? {
        while true {
            guard try available(1) else {
                guard rootSeen else { throw error("没有内容", "no root element") }
                guard stack.isEmpty else { throw error("元素 <\(stack.last!)> 未结束", "element <\(stack.last!)> is not closed") }
                return nil
            }
            if buf[pos] != UInt8(ascii: "<") {
                guard let end = try find(UInt8(ascii: "<")) ?? (atEnd ? buf.count - pos : nil) else { continue }
                let slice = buf[pos..<(pos + end)]
                pos += end
                if stack.isEmpty {
                    guard slice.allSatisfy(Self.isSpace) else { throw error("根元素之外有文本", "text outside the root element") }
                    continue
                }
                if capturing { return .text(try decodeText(slice)) }
                continue
            }
            guard try available(2) else { throw error("文件在标记中结束", "the document ends inside markup") }
            switch buf[pos + 1] {
            case UInt8(ascii: "?"):
                try skip(until: Array("?>".utf8))
            case UInt8(ascii: "!"):
                if try starts(with: "<!--") {
                    try skip(until: Array("-->".utf8))
                } else if try starts(with: "<![CDATA[") {
                    guard !stack.isEmpty else { throw error("根元素之外有 CDATA", "CDATA outside the root element") }
                    pos += 9
                    let end = try offset(of: Array("]]>".utf8))
                    let slice = buf[pos..<(pos + end)]
                    pos += end + 3
                    if capturing {
                        guard let s = String(validating: slice, as: UTF8.self) else { throw error("不是 UTF-8", "not UTF-8") }
                        return .text(s)
                    }
                } else {
                    throw error("不接受 DOCTYPE 声明", "a DOCTYPE is not accepted")
                }
            case UInt8(ascii: "/"):
                guard let end = try find(UInt8(ascii: ">")) else { throw error("结束标记不完整", "an end tag is not closed") }
                let name = try localName(buf[(pos + 2)..<(pos + end)].prefix { !Self.isSpace($0) })
                guard buf[(pos + 2)..<(pos + end)].drop(while: { !Self.isSpace($0) }).allSatisfy(Self.isSpace) else {
                    throw error("结束标记格式错误", "a malformed end tag")
                }
                pos += end + 1
                guard let open = stack.popLast(), open == name else {
                    throw error("结束标记 </\(name)> 与开始标记不配对", "end tag </\(name)> does not match")
                }
                return .end(name)
            default:
                return try startTag()
            }
        }
    }

    private func starts(with text: String) throws -> Bool {
        let b = Array(text.utf8)
        guard try available(b.count) else { return false }
        return buf[pos..<(pos + b.count)].elementsEqual(b)
    }

    /// The offset from `pos` of `pattern`, reading more as needed; an error at the end.
    private func offset(of pattern: [UInt8]) throws -> Int {
        var from = 0
        while true {
            guard let i = try find(pattern[0], from: from) else { throw error("文件在标记中结束", "the document ends inside markup") }
            guard try available(i + pattern.count) else { throw error("文件在标记中结束", "the document ends inside markup") }
            if buf[(pos + i)..<(pos + i + pattern.count)].elementsEqual(pattern) { return i }
            from = i + 1
        }
    }

    private func skip(until pattern: [UInt8]) throws {
        let i = try offset(of: pattern)
        pos += i + pattern.count
    }

    private func startTag() throws -> Event {
        guard stack.count < maxDepth else { throw error("元素嵌套过深", "elements nest too deeply") }
        guard !(stack.isEmpty && rootSeen) else { throw error("有多个根元素", "more than one root element") }
        // The tag ends at the first '>' outside quotes.
        var i = 1
        var quote: UInt8 = 0
        while true {
            guard try available(i + 1) else { throw error("开始标记不完整", "a start tag is not closed") }
            let c = buf[pos + i]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                break
            } else if c == UInt8(ascii: "<") {
                throw error("开始标记中有 <", "'<' inside a start tag")
            }
            i += 1
            if i > maxToken { throw error("开始标记过长", "a start tag is too long") }
        }
        var tag = buf[(pos + 1)..<(pos + i)]
        pos += i + 1
        var selfClosing = false
        if tag.last == UInt8(ascii: "/") { selfClosing = true; tag = tag.dropLast() }
        let nameBytes = tag.prefix { !Self.isSpace($0) }
        let name = try localName(nameBytes)
        var attributes: [Attribute] = []
        var rest = tag.dropFirst(nameBytes.count)
        while true {
            rest = rest.drop(while: Self.isSpace)
            if rest.isEmpty { break }
            guard let eq = rest.firstIndex(of: UInt8(ascii: "=")) else { throw error("属性没有值", "an attribute has no value") }
            var attrName = rest[rest.startIndex..<eq]
            while let last = attrName.last, Self.isSpace(last) { attrName = attrName.dropLast() }
            var after = rest[(eq + 1)...].drop(while: Self.isSpace)
            guard let q = after.first, q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else {
                throw error("属性值没有引号", "an attribute value is not quoted")
            }
            after = after.dropFirst()
            guard let close = after.firstIndex(of: q) else { throw error("属性值没有结束引号", "an attribute value is not closed") }
            let local = try localName(attrName)
            if attributes.contains(where: { $0.name == local }) { throw error("属性 \(local) 重复", "attribute \(local) appears twice") }
            let value = after[after.startIndex..<close]
            if value.contains(UInt8(ascii: "<")) { throw error("属性值中有 <", "'<' in an attribute value") }
            attributes.append(Attribute(name: local, value: try decodeText(value)))
            rest = after[(close + 1)...]
            if let next = rest.first, !Self.isSpace(next) { throw error("属性之间缺少空格", "attributes are not separated") }
        }
        rootSeen = true
        if !selfClosing { stack.append(name) }
        return .start(name, attributes, selfClosing: selfClosing)
    }

    /// The name without its namespace prefix, checked to be a plausible XML name.
    private func localName(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard !bytes.isEmpty, bytes.allSatisfy({ !Self.isSpace($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: "&") && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "/") }) else {
            throw error("元素或属性名无效", "an invalid element or attribute name")
        }
        let local = bytes.lastIndex(of: UInt8(ascii: ":")).map { bytes[($0 + 1)...] } ?? bytes
        guard !local.isEmpty, let s = String(validating: local, as: UTF8.self) else { throw error("元素或属性名无效", "an invalid element or attribute name") }
        return s
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// Text with its entities and character references decoded, checked to be UTF-8.
    private func decodeText(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard bytes.contains(UInt8(ascii: "&")) else {
            guard let s = String(validating: bytes, as: UTF8.self) else { throw error("文本不是 UTF-8", "text is not UTF-8") }
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            guard c == UInt8(ascii: "&") else { out.append(c); i += 1; continue }
            guard let semi = bytes[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { throw error("实体引用不完整", "an unterminated entity reference") }
            let name = bytes[(i + 1)..<semi]
            switch String(decoding: name, as: UTF8.self) {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            case let ref where ref.hasPrefix("#"):
                let digits = ref.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let v = value, let scalar = Unicode.Scalar(v), Self.isXMLChar(v) else {
                    throw error("字符引用 &\(ref); 无效", "invalid character reference &\(ref);")
                }
                out.append(contentsOf: String(Character(scalar)).utf8)
            case let other:
                throw error("未知的实体 &\(other);", "unknown entity &\(other);")
            }
            i = semi + 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("文本不是 UTF-8", "text is not UTF-8") }
        return s
    }

    static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
    }
}
