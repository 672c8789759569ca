/// Errors raised by ``ByteReader`` and the other wire helpers. Protocol modules wrap them in
/// their own typed errors; none of these ever traps on short or hostile input.
public enum WireError: Error, Equatable, Sendable {
    /// The input ended `needed` bytes into a field while only `available` were left.
    case truncated(needed: Int, available: Int)
    /// A length or count read from the input was negative or otherwise impossible.
    case invalidLength(Int)
    /// Bytes that had to be UTF-8 text were not.
    case invalidUTF8
}
