import STUN
import WireKit

/// Why a TURN request failed (RFC 8656 §7.4, §9.2, §11.2 and the error codes of §19).
public enum TURNFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// No response after every retransmission (RFC 8489 §6.2.1), or none in Ti over a stream.
    case timeout
    /// 300 Try Alternate: the server asks the client to use another server (RFC 8489 §10).
    case tryAlternate(SocketAddress?)
    /// 401 again after the client answered the challenge: the credentials are not accepted.
    case unauthenticated
    /// 403 Forbidden: for a permission, the server refuses that peer (KVS says "Forbidden IP").
    case forbidden
    /// 437 Allocation Mismatch: the 5-tuple already has an allocation, or no longer has one.
    case allocationMismatch
    /// 440 Address Family not Supported.
    case addressFamilyNotSupported
    /// 441 Wrong Credentials: the username differs from the one the allocation was made with.
    case wrongCredentials
    /// 442 Unsupported Transport Protocol.
    case unsupportedTransportProtocol
    /// 443 Peer Address Family Mismatch.
    case peerAddressFamilyMismatch
    /// 486 Allocation Quota Reached.
    case allocationQuotaReached
    /// 508 Insufficient Capacity.
    case insufficientCapacity
    /// Another error response (400, 420, 438 repeated too often, 500…).
    case errorResponse(STUNErrorCode)
    /// A success response lacking what it must carry (XOR-RELAYED-ADDRESS for Allocate).
    case malformedResponse
    /// A byte arrived on a TCP/TLS stream that starts neither a STUN nor a ChannelData
    /// message: framing is lost and the connection must be closed (RFC 8656 §12.5).
    case streamDesynchronized
    /// The request needs an allocation and there is none.
    case noAllocation

    /// The typed failure for an error response.
    public init(_ code: STUNErrorCode, alternate: SocketAddress? = nil) {
        switch code {
        case .tryAlternate: self = .tryAlternate(alternate)
        case .unauthenticated: self = .unauthenticated
        case .forbidden: self = .forbidden
        case .allocationMismatch: self = .allocationMismatch
        case .addressFamilyNotSupported: self = .addressFamilyNotSupported
        case .wrongCredentials: self = .wrongCredentials
        case .unsupportedTransportProtocol: self = .unsupportedTransportProtocol
        case .peerAddressFamilyMismatch: self = .peerAddressFamilyMismatch
        case .allocationQuotaReached: self = .allocationQuotaReached
        case .insufficientCapacity: self = .insufficientCapacity
        default: self = .errorResponse(code)
        }
    }

    public var description: String {
        switch self {
        case .timeout: "timeout"
        case .tryAlternate(let server): "300 Try Alternate (\(server.map { "\($0)" } ?? "no ALTERNATE-SERVER"))"
        case .unauthenticated: "401 Unauthenticated"
        case .forbidden: "403 Forbidden"
        case .allocationMismatch: "437 Allocation Mismatch"
        case .addressFamilyNotSupported: "440 Address Family not Supported"
        case .wrongCredentials: "441 Wrong Credentials"
        case .unsupportedTransportProtocol: "442 Unsupported Transport Protocol"
        case .peerAddressFamilyMismatch: "443 Peer Address Family Mismatch"
        case .allocationQuotaReached: "486 Allocation Quota Reached"
        case .insufficientCapacity: "508 Insufficient Capacity"
        case .errorResponse(let code): "\(code)"
        case .malformedResponse: "malformed response"
        case .streamDesynchronized: "stream framing lost"
        case .noAllocation: "no allocation"
        }
    }
}

/// What a ``TURNClient`` reports to its user (RFC 8656 §7–§12 outcomes).
public enum TURNEvent: Hashable, Sendable {
    /// The allocation exists: the relayed transport address to offer as a relay candidate, the
    /// server-reflexive address seen by the server, and the lifetime granted.
    case allocated(relayed: SocketAddress, mapped: SocketAddress?, lifetime: Duration)
    /// The allocation could not be made, or was lost (refresh failed); no relaying is possible.
    case allocationFailed(TURNFailure)
    /// A Refresh succeeded; the allocation now lasts `lifetime` from the response.
    case refreshed(lifetime: Duration)
    /// The server installed a permission for this peer IP (first install only, not renewals).
    case permissionCreated(IPAddress)
    /// The permission for this peer IP could not be installed or renewed; other peers are
    /// unaffected and the allocation lives on.
    case permissionFailed(IPAddress, TURNFailure)
    /// The channel is bound: data to and from `peer` now travels as ChannelData.
    case channelBound(peer: SocketAddress, channel: UInt16)
    /// The channel could not be bound or renewed; data to `peer` falls back to Send indications.
    case channelBindFailed(peer: SocketAddress, TURNFailure)
    /// Application data relayed from `peer` (Data indication or ChannelData).
    case dataReceived(peer: SocketAddress, data: [UInt8])
    /// The allocation was released (Refresh with LIFETIME 0 answered, or it was never made).
    case deallocated
}
