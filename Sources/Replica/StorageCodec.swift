import Causality
import JSON

/// The on-disk encoding of a version's vector and values (storage v2): varints and length-prefixed
/// UTF-8, with actors named by their row in `_rs_actor`, so nothing on the write or merge path
/// formats or parses JSON. Only this replica reads these bytes; the wire keeps its own format.
///
/// A version row holds one run of versions (one write of one record: consecutive counters of one
/// actor); its body is, per version: group (`_rs_name` row), HLC, then the vector and the values,
/// each length-prefixed.
/// Vector: count, then (actor row, counter) pairs in actor-row order.
/// Values: count, then (name, value) pairs; a value is a tag byte and its payload:
/// 0 null, 1 false, 2 true, 3 string, 4 number (its JSON text), 5 array, 6 object.
enum StorageCodec {
    /// One version of a row's body, undecoded beyond its group and timestamp.
    struct Entry {
        let group: Int64
        let hlc: Int64
        let vector: Range<Int>
        let values: Range<Int>
    }

    static func appendEntry(group: Int64, hlc: Int64, vector: [UInt8], values: [UInt8], to out: inout [UInt8]) {
        appendVarint(UInt64(bitPattern: group), to: &out)
        appendVarint(UInt64(bitPattern: hlc), to: &out)
        appendVarint(UInt64(vector.count), to: &out)
        out.append(contentsOf: vector)
        appendVarint(UInt64(values.count), to: &out)
        out.append(contentsOf: values)
    }

    /// The values of an existence version saying the record exists (`{"deleted": false}`).
    static let notDeleted = encode(JSONObject([("deleted", .bool(false))]))

    /// An entry whose vector is the writer's own dot alone (a version of a record new here).
    static func appendEntry(group: Int64, hlc: Int64, actorRow: Int64, seq: Int64, values: [UInt8], to out: inout [UInt8]) {
        appendVarint(UInt64(bitPattern: group), to: &out)
        appendVarint(UInt64(bitPattern: hlc), to: &out)
        appendVarint(UInt64(1 + varintSize(UInt64(bitPattern: actorRow)) + varintSize(UInt64(bitPattern: seq))), to: &out)
        out.append(1)
        appendVarint(UInt64(bitPattern: actorRow), to: &out)
        appendVarint(UInt64(bitPattern: seq), to: &out)
        appendVarint(UInt64(values.count), to: &out)
        out.append(contentsOf: values)
    }

    static func varintSize(_ value: UInt64) -> Int {
        var v = value, n = 1
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }

    /// The `n` entries of a row's body (their vectors and values as byte ranges of `bytes`).
    static func entries(_ bytes: UnsafeRawBufferPointer, count n: Int) throws -> [Entry] {
        guard n >= 1 && n <= maxRun else { throw Malformed(what: "a row of \(n) versions") }
        var r = Reader(bytes)
        var out: [Entry] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let group = Int64(bitPattern: try r.varint())
            let hlc = Int64(bitPattern: try r.varint())
            let vl = try r.count()
            let vector = r.at..<(r.at + vl)
            r.at += vl
            let ul = try r.count()
            let values = r.at..<(r.at + ul)
            r.at += ul
            out.append(Entry(group: group, hlc: hlc, vector: vector, values: values))
        }
        guard r.isAtEnd else { throw Malformed(what: "trailing bytes in a row") }
        return out
    }

    /// One version of a run, decoded: its place in the run, group (`_rs_name` row), HLC, vector
    /// and values.
    struct DecodedEntry {
        let index: Int
        let group: Int64
        let hlc: Int64
        let vector: VersionVector
        let values: JSONObject
    }

    /// The versions of a run's body, those `including` names (by place in the run) decoded; the
    /// others are skipped without decoding their vectors and values.
    static func decodeRun(_ bytes: UnsafeRawBufferPointer, count n: Int, actor: (Int64) throws -> Actor,
                          including: (Int) -> Bool = { _ in true }) throws -> [DecodedEntry] {
        try entries(bytes, count: n).enumerated().filter { including($0.offset) }.map { i, e in
            DecodedEntry(index: i, group: e.group, hlc: e.hlc,
                         vector: try decodeVector(UnsafeRawBufferPointer(rebasing: bytes[e.vector]), actor: actor),
                         values: try decodeValues(UnsafeRawBufferPointer(rebasing: bytes[e.values])))
        }
    }

    /// At most this many versions share a row (the `superseded` bit mask is one integer).
    static let maxRun = 62
    struct Malformed: Error, CustomStringConvertible {
        let what: String
        var description: String { "a stored version is damaged (\(what)); run `rootsync doctor`" }
    }

    // MARK: Writing

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            appendVarint(UInt64(bytes.count), to: &out)
            out.append(contentsOf: bytes)
        }
    }

    static func encode(_ vector: VersionVector, actorRow: (Actor) throws -> Int64) rethrows -> [UInt8] {
        var pairs: [(Int64, Int64)] = []
        pairs.reserveCapacity(vector.entries.count)
        for (actor, seq) in vector.entries { pairs.append((try actorRow(actor), seq)) }
        pairs.sort { $0.0 < $1.0 }
        var out: [UInt8] = []
        out.reserveCapacity(1 + pairs.count * 4)
        appendVarint(UInt64(pairs.count), to: &out)
        for (row, seq) in pairs {
            appendVarint(UInt64(bitPattern: row), to: &out)
            appendVarint(UInt64(bitPattern: seq), to: &out)
        }
        return out
    }

    static func encode(_ values: JSONObject) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendVarint(UInt64(values.count), to: &out)
        for (name, value) in values {
            appendString(name, to: &out)
            append(value, to: &out)
        }
        return out
    }

    static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(0)
        case .bool(let b): out.append(b ? 2 : 1)
        case .string(let s): out.append(3); appendString(s, to: &out)
        case .number(let n): out.append(4); appendString(n, to: &out)
        case .array(let a):
            out.append(5)
            appendVarint(UInt64(a.count), to: &out)
            for e in a { append(e, to: &out) }
        case .object(let o):
            out.append(6)
            appendVarint(UInt64(o.count), to: &out)
            for (k, v) in o { appendString(k, to: &out); append(v, to: &out) }
        }
    }

    // MARK: Reading

    /// Reads bytes in place; every read is bounds-checked (a damaged file throws, never traps).
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var isAtEnd: Bool { at == bytes.count }

        mutating func byte() throws -> UInt8 {
            guard at < bytes.count else { throw Malformed(what: "truncated") }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw Malformed(what: "varint too long") }
                v |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }

        mutating func count() throws -> Int {
            let n = try varint()
            // Every element takes at least one byte: a count beyond what is left is damage.
            guard n <= UInt64(bytes.count - at) else { throw Malformed(what: "count beyond the data") }
            return Int(n)
        }

        mutating func string() throws -> String {
            let n = try count()
            defer { at += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<at + n]), as: UTF8.self)
        }

        mutating func value(depth: Int = 0) throws -> JSONValue {
            guard depth < 32 else { throw Malformed(what: "nesting") }
            switch try byte() {
            case 0: return .null
            case 1: return .bool(false)
            case 2: return .bool(true)
            case 3: return .string(try string())
            case 4: return .number(try string())
            case 5:
                let n = try count()
                var a: [JSONValue] = []
                a.reserveCapacity(n)
                for _ in 0..<n { a.append(try value(depth: depth + 1)) }
                return .array(a)
            case 6: return .object(try object(depth: depth + 1))
            default: throw Malformed(what: "unknown value tag")
            }
        }

        mutating func object(depth: Int = 0) throws -> JSONObject {
            let n = try count()
            var o = JSONObject()
            for _ in 0..<n {
                let k = try string()
                o.append(k, try value(depth: depth))
            }
            return o
        }
    }

    static func decodeVector(_ bytes: UnsafeRawBufferPointer, actor: (Int64) throws -> Actor) throws -> VersionVector {
        var r = Reader(bytes)
        let n = try r.count()
        var entries: [Actor: Int64] = [:]
        entries.reserveCapacity(n)
        for _ in 0..<n {
            let row = Int64(bitPattern: try r.varint())
            let seq = Int64(bitPattern: try r.varint())
            guard Dot.isValidSeq(seq) else { throw Malformed(what: "counter out of range") }
            entries[try actor(row)] = seq
        }
        guard r.isAtEnd else { throw Malformed(what: "trailing bytes in a vector") }
        return VersionVector(entries)
    }

    static func decodeValues(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
        var r = Reader(bytes)
        let o = try r.object()
        guard r.isAtEnd else { throw Malformed(what: "trailing bytes in values") }
        return o
    }
}
