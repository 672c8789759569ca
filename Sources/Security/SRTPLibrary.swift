import CSRTP

/// Errors reported by libsrtp2, mapped from `srtp_err_status_t`.
public struct SRTPError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: UInt32
    public let operation: String

    public var description: String {
        let name: String
        switch status {
        case 2: name = "bad parameter"
        case 3: name = "memory allocation failed"
        case 5: name = "initialization failed"
        case 7: name = "authentication failed"
        case 9: name = "replayed packet"
        case 10: name = "packet too old for the replay window"
        case 11: name = "algorithm failure"
        case 14: name = "no context for SSRC"
        case 21: name = "packet could not be parsed"
        default: name = "status \(status)"
        }
        return "libsrtp2 \(operation) failed: \(name)"
    }
}

/// Process-wide libsrtp2 state. `srtp_init` must run once before any session is created.
public enum SRTPLibrary {
    private static let initStatus: UInt32 = srtp_init().rawValue

    /// Initializes libsrtp2 (idempotent).
    public static func initialize() throws(SRTPError) {
        let status = initStatus
        guard status == 0 else { throw SRTPError(status: status, operation: "srtp_init") }
    }

    /// The libsrtp2 version string, e.g. "libsrtp2 2.5.0".
    public static var version: String { String(cString: srtp_get_version_string()) }
}
