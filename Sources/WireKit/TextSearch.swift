/// Substring search over the UTF-8 bytes of strings.
///
/// The standard library's `contains(_:)`, `firstRange(of:)` and `replacing(_:with:)` for strings
/// live in `_StringProcessing`, which links as one 1.25 MB object together with the regex parser.
/// The daemon only ever looks for ASCII markers (`"://"`, `"transport="`, a header name, an
/// error text), where byte equality is the same as character equality, so these byte searches
/// keep the camera binary free of that runtime. A needle that is not ASCII is still found
/// byte-for-byte; canonically equivalent spellings are not treated as equal.
extension StringProtocol {
    /// Where `needle` first occurs, as a range of this string's indices; nil when it does not
    /// occur. An empty needle occurs at the start.
    public func firstTextRange(of needle: some StringProtocol) -> Range<Index>? {
        utf8.firstSubsequenceRange(of: needle.utf8)
    }

    /// Whether `needle` occurs in this string.
    public func containsText(_ needle: some StringProtocol) -> Bool {
        firstTextRange(of: needle) != nil
    }

    /// This string with every non-overlapping occurrence of `needle`, left to right, replaced by
    /// `replacement`. An empty needle replaces nothing.
    public func replacingText(_ needle: some StringProtocol, with replacement: some StringProtocol) -> String {
        guard !needle.isEmpty else { return String(self) }
        var result = ""
        var rest = self[...]
        while let range = rest.firstTextRange(of: needle) {
            result += rest[rest.startIndex..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension Collection where Element: Equatable {
    /// Where the element sequence `needle` first occurs; nil when it does not, the empty range at
    /// the start for an empty needle.
    public func firstSubsequenceRange(of needle: some Collection<Element>) -> Range<Index>? {
        guard let first = needle.first else { return startIndex..<startIndex }
        var start = startIndex
        while let candidate = self[start...].firstIndex(of: first) {
            var h = candidate
            var n = needle.startIndex
            while n != needle.endIndex, h != endIndex, self[h] == needle[n] {
                formIndex(after: &h)
                needle.formIndex(after: &n)
            }
            if n == needle.endIndex { return candidate..<h }
            if h == endIndex { return nil }
            start = index(after: candidate)
        }
        return nil
    }
}
