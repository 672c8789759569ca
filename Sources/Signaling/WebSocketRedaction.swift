/// Masks the secret parts of a SigV4 presigned URL (AWS SigV4 "Authenticating Requests: Using
/// Query Parameters") in any text before it reaches a log line or an error description: the
/// values of `X-Amz-Signature`, `X-Amz-Security-Token` and `X-Amz-Credential` (which names the
/// access key). Works on whole URLs, request lines and library log lines alike, and on lines a
/// logger cut short in the middle of a value.
public enum WebSocketRedaction {
    /// The query parameters whose values never leave the process.
    public static let secretParameters = ["X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"]

    /// What a masked value is replaced with.
    public static let mask = "***"

    /// `text` with the value of every secret parameter (after `name=`, up to the next `&`,
    /// whitespace, quote or end of text) replaced by ``mask``. Names match case-insensitively.
    public static func redact(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var changed = false
        for name in secretParameters {
            let pattern = Array((name + "=").lowercased().utf8)
            var searchFrom = 0
            while let start = find(pattern, in: bytes, from: searchFrom) {
                let valueStart = start + pattern.count
                var valueEnd = valueStart
                while valueEnd < bytes.count, !isValueTerminator(bytes[valueEnd]) { valueEnd += 1 }
                bytes.replaceSubrange(valueStart..<valueEnd, with: Array(mask.utf8))
                searchFrom = valueStart + mask.utf8.count
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    private static func isValueTerminator(_ byte: UInt8) -> Bool {
        // '&' ends a query parameter; whitespace and quotes end it inside a log line.
        byte == UInt8(ascii: "&") || byte <= 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
            || byte == 0x7F
    }

    /// The first index at or after `from` where `lowercasedPattern` matches ASCII-case-insensitively.
    private static func find(_ lowercasedPattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard lowercasedPattern.count <= bytes.count, from <= bytes.count - lowercasedPattern.count else { return nil }
        var index = from
        while index <= bytes.count - lowercasedPattern.count {
            var matched = true
            for offset in 0..<lowercasedPattern.count where lowercased(bytes[index + offset]) != lowercasedPattern[offset] {
                matched = false
                break
            }
            if matched { return index }
            index += 1
        }
        return nil
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }
}
