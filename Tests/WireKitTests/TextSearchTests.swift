import Testing
import WireKit

@Suite struct TextSearchTests {
    /// The byte offset of the first match by trying every start, the obvious way.
    private func referenceOffset(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return needle.isEmpty ? 0 : nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<start + needle.count]) == needle {
            return start
        }
        return nil
    }

    private func offset(in text: String, of range: Range<String.Index>?) -> Int? {
        range.map { text.utf8.distance(from: text.startIndex, to: $0.lowerBound) }
    }

    @Test func findsMarkers() {
        let url = "wss://m-1234.kinesisvideo.us-west-2.amazonaws.com/path"
        let range = url.firstTextRange(of: "://")
        #expect(range.map { String(url[$0.upperBound...]) } == "m-1234.kinesisvideo.us-west-2.amazonaws.com/path")
        #expect("turn:1.2.3.4:3478?transport=tcp".containsText("transport="))
        #expect(!"turn:1.2.3.4:3478".containsText("transport="))
        #expect(!"".containsText("a"))
        #expect("abc".containsText(""))
        #expect("abc".firstTextRange(of: "") == "abc".startIndex..<"abc".startIndex)
        #expect(!"ab".containsText("abc"))
        #expect("aaab".firstTextRange(of: "aab").map { String("aaab"[$0]) } == "aab")
        #expect("fe80::1".dropFirst(2).firstTextRange(of: "::") != nil)
    }

    @Test func agreesWithTheObviousSearchOnRandomText() {
        var rng = SplitMix64(seed: 0x7E57)
        let alphabet = Array("ab:é".unicodeScalars)
        func text(_ maxLength: Int) -> String {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % UInt64(maxLength + 1)) { s.append(alphabet[Int(rng.next() % 4)]) }
            return String(s)
        }
        for _ in 0..<3000 {
            let haystack = text(24)
            let needle = text(4)
            let expected = referenceOffset(Array(haystack.utf8), Array(needle.utf8))
            let found = haystack.firstTextRange(of: needle)
            #expect(offset(in: haystack, of: found) == expected, "\(haystack) / \(needle)")
            if let found { #expect(haystack[found].utf8.elementsEqual(needle.utf8)) }
            #expect(haystack.containsText(needle) == (expected != nil))
            let bytes = Array(haystack.utf8)
            #expect(bytes.firstSubsequenceRange(of: Array(needle.utf8))?.lowerBound == expected)
        }
    }

    @Test func replacesLeftToRightWithoutOverlap() {
        #expect("aaa".replacingText("aa", with: "X") == "Xa")
        #expect("a-b-c".replacingText("-", with: "--") == "a--b--c")
        #expect("token=SECRET&x=SECRET".replacingText("SECRET", with: "****") == "token=****&x=****")
        #expect("abc".replacingText("", with: "X") == "abc")
        #expect("abc".replacingText("z", with: "X") == "abc")
        #expect("<script src=\"v.js\"></script>!".replacingText("<script src=\"v.js\"></script>", with: "<s>") == "<s>!")
    }

    @Test func searchesByteArrays() {
        let html = Array("<html><title>403 Forbidden</title></html>".utf8)
        let open = html.firstSubsequenceRange(of: Array("<title>".utf8))
        #expect(open?.lowerBound == 6)
        #expect(html.firstSubsequenceRange(of: Array("<body>".utf8)) == nil)
        #expect([UInt8]().firstSubsequenceRange(of: [1]) == nil)
        #expect([1, 2, 3].firstSubsequenceRange(of: [UInt8]()) == 0..<0)
    }
}
