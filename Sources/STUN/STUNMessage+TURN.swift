import WireKit

/// Builders for the TURN client requests and indications of RFC 8656 §7–§11.
///
/// They return plain messages: an authenticated request adds USERNAME, REALM and NONCE with
/// ``STUNMessage/addingLongTermCredentials(username:realm:nonce:)`` and is then encoded with
/// `encode(integrity: key)` using the long-term key (RFC 8656 §9, RFC 8489 §9.2).
extension STUNMessage {
    /// Allocate request (RFC 8656 §7.1): REQUESTED-TRANSPORT UDP, then the options asked for.
    public static func allocateRequest(
        transactionID: TransactionID, lifetime: UInt32? = nil, dontFragment: Bool = false,
        evenPort: Bool? = nil, reservationToken: UInt64? = nil
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = [.requestedTransport(STUNAttribute.transportUDP)]
        if let lifetime { attributes.append(.lifetime(lifetime)) }
        if dontFragment { attributes.append(.dontFragment) }
        if let evenPort { attributes.append(.evenPort(reserve: evenPort)) }
        if let reservationToken { attributes.append(.reservationToken(reservationToken)) }
        return STUNMessage(
            method: .allocate, messageClass: .request, transactionID: transactionID, attributes: attributes)
    }

    /// Refresh request (RFC 8656 §8.1); a lifetime of 0 deletes the allocation, nil lets the
    /// server apply its default.
    public static func refreshRequest(transactionID: TransactionID, lifetime: UInt32?) -> STUNMessage {
        STUNMessage(
            method: .refresh, messageClass: .request, transactionID: transactionID,
            attributes: lifetime.map { [.lifetime($0)] } ?? [])
    }

    /// CreatePermission request (RFC 8656 §9.1) for one or more peers; only their IP
    /// addresses matter to the server, ports are ignored.
    public static func createPermissionRequest(transactionID: TransactionID, peers: [SocketAddress]) -> STUNMessage {
        STUNMessage(
            method: .createPermission, messageClass: .request, transactionID: transactionID,
            attributes: peers.map { .xorPeerAddress($0) })
    }

    /// ChannelBind request (RFC 8656 §11.1).
    public static func channelBindRequest(
        transactionID: TransactionID, channelNumber: UInt16, peer: SocketAddress
    ) -> STUNMessage {
        STUNMessage(
            method: .channelBind, messageClass: .request, transactionID: transactionID,
            attributes: [.channelNumber(channelNumber), .xorPeerAddress(peer)])
    }

    /// Send indication (RFC 8656 §10.1): carries `data` to `peer` without a channel.
    /// Indications are never authenticated.
    public static func sendIndication(
        transactionID: TransactionID, peer: SocketAddress, data: [UInt8], dontFragment: Bool = false
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = [.xorPeerAddress(peer), .data(data)]
        if dontFragment { attributes.append(.dontFragment) }
        return STUNMessage(
            method: .send, messageClass: .indication, transactionID: transactionID, attributes: attributes)
    }

    /// The message with USERNAME, REALM and NONCE appended (RFC 8489 §9.2.4), ready to be
    /// encoded with a long-term key.
    public func addingLongTermCredentials(username: String, realm: String, nonce: String) -> STUNMessage {
        var message = self
        message.attributes.append(contentsOf: [.username(username), .realm(realm), .nonce(nonce)])
        return message
    }
}

/// What a TURN server relays from a peer in a Data indication (RFC 8656 §10.4).
public struct TURNDataIndication: Hashable, Sendable {
    public var peer: SocketAddress
    public var data: [UInt8]

    public init(peer: SocketAddress, data: [UInt8]) {
        self.peer = peer
        self.data = data
    }

    /// Extracts peer and data; fails unless the message is a Data indication with both
    /// XOR-PEER-ADDRESS and DATA (§10.4 says to discard it otherwise).
    public init(_ message: STUNMessage) throws(STUNError) {
        guard message.method == .data, message.messageClass == .indication else {
            throw .unexpectedMessageType(method: message.method.rawValue, messageClass: message.messageClass.rawValue)
        }
        guard let peer = message.xorPeerAddresses.first else {
            throw .missingAttribute(type: STUNAttributeType.xorPeerAddress.rawValue)
        }
        guard let data = message.data else { throw .missingAttribute(type: STUNAttributeType.data.rawValue) }
        self.init(peer: peer, data: data)
    }

    /// The indication a server would send; useful to test clients.
    public func message(transactionID: TransactionID) -> STUNMessage {
        STUNMessage(
            method: .data, messageClass: .indication, transactionID: transactionID,
            attributes: [.xorPeerAddress(peer), .data(data)])
    }
}
