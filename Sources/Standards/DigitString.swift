/// An all-ASCII-digit string with cheap positional access.
///
/// The check algorithms index characters by position many times; converting once to an array
/// of small integers keeps them simple and fast, and rejects full-width or other Unicode digits
/// that `Character.isNumber` would let through.
struct DigitString {
    let digits: [Int]

    init?<S: StringProtocol>(_ text: S) {
        var values: [Int] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            guard byte >= 48, byte <= 57 else { return nil }
            values.append(Int(byte) - 48)
        }
        guard !values.isEmpty else { return nil }
        digits = values
    }

    /// The number formed by `length` digits starting at `start`.
    func int(_ start: Int, _ length: Int) -> Int {
        digits[start..<(start + length)].reduce(0) { $0 * 10 + $1 }
    }
}

extension Character {
    /// True only for the ten ASCII digits.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}

extension String {
    /// The characters at 0-based offsets `start..<start+length`.
    func slice(_ start: Int, _ length: Int) -> String {
        let from = index(startIndex, offsetBy: start)
        let to = index(from, offsetBy: length)
        return String(self[from..<to])
    }
}
