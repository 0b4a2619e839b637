extension StringProtocol {
    /// The text without leading and trailing white space (Unicode White_Space, newlines included,
    /// full-width 　 too). Returns the text itself, without copying, when there is none to trim:
    /// the common case for every field of every record, where Foundation's version always allocates.
    public func trimmingSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        // Nearly every value starts and ends with a visible ASCII character: no property lookup.
        if (0x21...0x7E).contains(first.value) && (0x21...0x7E).contains(last.value) { return String(self) }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return String(self) }
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end && scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start && scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }
}
