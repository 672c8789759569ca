/// The value of an ERROR-CODE attribute (RFC 8489 §14.8): a code 300–699 (class × 100 +
/// number) and a UTF-8 reason phrase. TURN codes come from RFC 8656 §19, 487 from RFC 8445.
///
/// Constants match by code only in a `switch` (`case .staleNonce:`), since peers word their
/// reason phrases as they like.
public struct STUNErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The numeric code, e.g. 401.
    public var code: Int
    /// The human-readable phrase sent beside the code.
    public var reason: String

    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// An error with the RFC's usual phrase for `code` (empty for codes this module does not know).
    public init(code: Int) {
        self.init(code: code, reason: STUNErrorCode.defaultReason(for: code))
    }

    /// The hundreds digit, as carried in the 3-bit Class field.
    public var errorClass: Int { code / 100 }
    /// The last two digits, as carried in the Number field.
    public var number: Int { code % 100 }

    public var description: String { reason.isEmpty ? "\(code)" : "\(code) \(reason)" }

    public static func ~= (pattern: STUNErrorCode, value: STUNErrorCode) -> Bool { pattern.code == value.code }

    public static let tryAlternate = STUNErrorCode(code: 300, reason: "Try Alternate")
    public static let badRequest = STUNErrorCode(code: 400, reason: "Bad Request")
    public static let unauthenticated = STUNErrorCode(code: 401, reason: "Unauthenticated")
    public static let forbidden = STUNErrorCode(code: 403, reason: "Forbidden")
    public static let unknownAttribute = STUNErrorCode(code: 420, reason: "Unknown Attribute")
    public static let allocationMismatch = STUNErrorCode(code: 437, reason: "Allocation Mismatch")
    public static let staleNonce = STUNErrorCode(code: 438, reason: "Stale Nonce")
    public static let addressFamilyNotSupported = STUNErrorCode(code: 440, reason: "Address Family not Supported")
    public static let wrongCredentials = STUNErrorCode(code: 441, reason: "Wrong Credentials")
    public static let unsupportedTransportProtocol = STUNErrorCode(
        code: 442, reason: "Unsupported Transport Protocol")
    public static let peerAddressFamilyMismatch = STUNErrorCode(code: 443, reason: "Peer Address Family Mismatch")
    public static let allocationQuotaReached = STUNErrorCode(code: 486, reason: "Allocation Quota Reached")
    public static let roleConflict = STUNErrorCode(code: 487, reason: "Role Conflict")
    public static let serverError = STUNErrorCode(code: 500, reason: "Server Error")
    public static let insufficientCapacity = STUNErrorCode(code: 508, reason: "Insufficient Capacity")

    private static let known: [STUNErrorCode] = [
        .tryAlternate, .badRequest, .unauthenticated, .forbidden, .unknownAttribute, .allocationMismatch,
        .staleNonce, .addressFamilyNotSupported, .wrongCredentials, .unsupportedTransportProtocol,
        .peerAddressFamilyMismatch, .allocationQuotaReached, .roleConflict, .serverError, .insufficientCapacity,
    ]

    static func defaultReason(for code: Int) -> String {
        known.first { $0.code == code }?.reason ?? ""
    }
}
