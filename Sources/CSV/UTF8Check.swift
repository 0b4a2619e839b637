/// UTF-8 validation without Foundation, so the reader can reject bad bytes with a line number
/// instead of silently turning them into U+FFFD (which would corrupt ID numbers and names).
enum UTF8Check {
    enum Result: Equatable {
        case valid
        /// Valid, except that the bytes end in the middle of a character (a chunk boundary).
        case truncated
        case invalid
    }

    static func check(_ p: UnsafePointer<UInt8>, _ n: Int) -> Result {
        var i = 0
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            var lo: UInt8 = 0x80
            var hi: UInt8 = 0xBF
            let len: Int
            switch b0 {
            case 0xC2...0xDF: len = 2
            case 0xE0: len = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: len = 3
            case 0xED: len = 3; hi = 0x9F
            case 0xF0: len = 4; lo = 0x90
            case 0xF1...0xF3: len = 4
            case 0xF4: len = 4; hi = 0x8F
            default: return .invalid
            }
            for k in 1..<len {
                if i + k >= n { return .truncated }
                let b = p[i + k]
                if k == 1 ? (b < lo || b > hi) : (b & 0xC0 != 0x80) { return .invalid }
            }
            i += len
        }
        return .valid
    }

    static func isValid(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        check(p, n) == .valid
    }
}
