import WireKit

/// A failed KVS REST call or WebSocket upgrade, as the driver saw it (KVS API reference,
/// "Common errors"; KVS developer guide, ConnectAsMaster "Errors").
///
/// The state machine decides its recovery from `kind`, `errorType` and `message` alone.
public struct KVSAPIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// How the call failed: with an HTTP answer, or without one.
    public enum Kind: Equatable, Sendable {
        /// The service answered with this HTTP status.
        case http(status: Int)
        /// No answer in time.
        case timeout
        /// DNS, TCP or TLS failed before an HTTP answer.
        case transport
    }

    public var kind: Kind
    /// The `x-amzn-ErrorType` / `__type` name, e.g. `AccessDeniedException`.
    public var errorType: String?
    /// The service's message, e.g. "Signature expired: … is now earlier than …".
    public var message: String?
    /// The server's `Date` header minus the local wall clock, when the driver saw one.
    public var serverClockOffset: Duration?

    public init(kind: Kind, errorType: String? = nil, message: String? = nil, serverClockOffset: Duration? = nil) {
        self.kind = kind
        self.errorType = errorType
        self.message = message
        self.serverClockOffset = serverClockOffset
    }

    public static func http(_ status: Int, _ errorType: String? = nil, message: String? = nil) -> Self {
        KVSAPIError(kind: .http(status: status), errorType: errorType, message: message)
    }

    public var status: Int? {
        if case .http(let status) = kind { return status }
        return nil
    }

    /// Whether SigV4 rejected the request because the signing time is more than 5 minutes away
    /// from the server's clock (the guide's "Signature expired … - 5 min." troubleshooting entry).
    public var isClockSkew: Bool {
        guard let message, status == 400 || status == 401 || status == 403 else { return false }
        return message.containsText("Signature expired") || message.containsText("Signature not yet current")
            || message.containsText("not yet current")
    }

    public var description: String {
        var text: String
        switch kind {
        case .http(let status): text = "HTTP \(status)"
        case .timeout: text = "timeout"
        case .transport: text = "transport failure"
        }
        if let errorType { text += " \(errorType.prefix(128))" }
        if let message { text += ": \(message.prefix(256))" }
        return text
    }
}

/// Clock-skew arithmetic for SigV4 rejections.
///
/// The service's message names the request's signing time first and its own time last, e.g.
/// `Signature expired: 20240919T085634Z is now earlier than 20240919T155135Z
/// (20240919T155635Z - 5 min.)`; their difference is how far the local clock is off.
public enum KVSClockSkew {
    /// The correction to add to the current signing offset, or nil when the message does not
    /// carry two ISO 8601 basic-format timestamps.
    public static func correction(fromMessage message: String) -> Duration? {
        let stamps = timestamps(in: Array(message.utf8))
        guard stamps.count >= 2, let signed = stamps.first, let server = stamps.last else { return nil }
        return .seconds(server &- signed)
    }

    /// Seconds since the Unix epoch of every `YYYYMMDDTHHMMSSZ` token in `bytes`.
    static func timestamps(in bytes: [UInt8]) -> [Int64] {
        var result: [Int64] = []
        var index = 0
        while index + 16 <= bytes.count {
            if let value = parseStamp(bytes[index..<(index + 16)]) {
                result.append(value)
                index += 16
            } else {
                index += 1
            }
        }
        return result
    }

    /// Parses `YYYYMMDDTHHMMSSZ` (the SigV4 `X-Amz-Date` format) as Unix seconds.
    public static func parseStamp(_ token: ArraySlice<UInt8>) -> Int64? {
        guard token.count == 16 else { return nil }
        let b = Array(token)
        guard b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(b[i] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        return daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date, counting years from March so the
    /// leap day falls at the end of the counted year.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
