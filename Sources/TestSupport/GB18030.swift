#if canImport(Glibc)
import Glibc
#endif

/// Text as Chinese Excel saves "CSV (逗号分隔)": UTF-8 → GB18030 with glibc iconv, written
/// independently of the CSV module's own decoder so tests can feed it real GB18030 bytes.
public enum GB18030 {
    public static func encode(_ text: String) -> [UInt8] {
        let cd = iconv_open("GB18030", "UTF-8")!
        defer { iconv_close(cd) }
        var input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let produced = input.withUnsafeMutableBytes { ib in
            output.withUnsafeMutableBytes { ob in
                var ip: UnsafeMutablePointer<CChar>? = ib.baseAddress?.assumingMemoryBound(to: CChar.self)
                var op: UnsafeMutablePointer<CChar>? = ob.baseAddress!.assumingMemoryBound(to: CChar.self)
                var il = ib.count, ol = ob.count
                let r = iconv(cd, &ip, &il, &op, &ol)
                precondition(r != -1 && il == 0, "iconv UTF-8 → GB18030 failed")
                return ob.count - ol
            }
        }
        return Array(output[..<produced])
    }
}
