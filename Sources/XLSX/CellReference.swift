/// A1-style cell references: column letters to 1-based numbers and back.
enum CellReference {
    /// The column and row of `A1`-style text, nil when it is not one (or beyond Excel's XFD1048576).
    static func parse(_ text: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0, digits = 0
        for c in text.utf8 {
            if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") && digits == 0 {
                column = column * 26 + Int(c - UInt8(ascii: "A")) + 1
                letters += 1
                if letters > 3 { return nil }
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") && letters > 0 {
                row = row * 10 + Int(c - UInt8(ascii: "0"))
                digits += 1
                if digits > 7 { return nil }
            } else {
                return nil
            }
        }
        guard letters > 0, digits > 0, column <= 16_384, row >= 1, row <= 1_048_576 else { return nil }
        return (column, row)
    }

    /// Letters of 1-based column `n`: 1 → A, 27 → AA.
    static func letters(_ n: Int) -> String {
        var n = n
        var out: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            out.append(UInt8(ascii: "A") + UInt8(r))
            n = (n - 1) / 26
        }
        return String(decoding: out.reversed(), as: UTF8.self)
    }
}
