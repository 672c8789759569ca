/// A STUN method: the 12-bit value shared by a request and its responses (RFC 8489 §5, §18.2;
/// TURN methods from RFC 8656 §17).
public struct STUNMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let binding = STUNMethod(rawValue: 0x001)
    public static let allocate = STUNMethod(rawValue: 0x003)
    public static let refresh = STUNMethod(rawValue: 0x004)
    public static let send = STUNMethod(rawValue: 0x006)
    public static let data = STUNMethod(rawValue: 0x007)
    public static let createPermission = STUNMethod(rawValue: 0x008)
    public static let channelBind = STUNMethod(rawValue: 0x009)

    public var description: String {
        switch self {
        case .binding: "Binding"
        case .allocate: "Allocate"
        case .refresh: "Refresh"
        case .send: "Send"
        case .data: "Data"
        case .createPermission: "CreatePermission"
        case .channelBind: "ChannelBind"
        default: "Method(0x\(String(rawValue, radix: 16)))"
        }
    }
}

/// The class of a STUN message (RFC 8489 §5): the two bits C1 C0 of the message type.
public enum STUNClass: UInt8, Hashable, Sendable, CaseIterable {
    case request = 0b00
    case indication = 0b01
    case success = 0b10
    case error = 0b11
}

/// The 14-bit STUN message type, method and class interleaved as RFC 8489 §5 Figure 3 lays
/// them out: `M11..M7 C1 M6..M4 C0 M3..M0`.
public struct STUNMessageType: Hashable, Sendable {
    public var method: STUNMethod
    public var messageClass: STUNClass

    public init(method: STUNMethod, messageClass: STUNClass) {
        self.method = method
        self.messageClass = messageClass
    }

    /// Splits a wire message type; the two leading bits are ignored (the decoder checks them).
    public init(rawValue: UInt16) {
        let m = (rawValue & 0x000F) | (rawValue & 0x00E0) >> 1 | (rawValue & 0x3E00) >> 2
        let c = (rawValue & 0x0010) >> 4 | (rawValue & 0x0100) >> 7
        method = STUNMethod(rawValue: m)
        messageClass = STUNClass(rawValue: UInt8(c)) ?? .request
    }

    /// The wire value. Method bits above the twelfth are dropped; the encoder refuses such
    /// methods before it gets here.
    public var rawValue: UInt16 {
        let m = method.rawValue & 0x0FFF
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | (m & 0x0070) << 1 | (m & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7
    }
}
