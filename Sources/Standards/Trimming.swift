extension StringProtocol {
    /// The text without leading and trailing white space (Unicode White_Space, newlines included,
    /// full-width 　 too). Returns the text itself, without copying, when there is none to trim:
    /// the common case for every field of every record, where Foundation's version always allocates.
    /// (Inlinable so that callers in other modules get it specialized for `String`.)
    @inlinable
    public func trimmingSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !first.mayBeSpace && !last.mayBeSpace { return String(self) }
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end && scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start && scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }
}

extension Unicode.Scalar {
    /// Whether the scalar could be White_Space. Visible ASCII and everything above U+3000 (the last
    /// White_Space scalar: CJK, full-width forms) never are, which settles nearly every value
    /// without the property table.
    @inlinable
    var mayBeSpace: Bool {
        if (0x21...0x7E).contains(value) || value > 0x3000 { return false }
        return properties.isWhitespace
    }
}
