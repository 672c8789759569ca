import STUN
import TURN
import WireKit

/// Enough of a TURN server (RFC 8656) to exercise the client: long-term authentication with
/// nonce rotation, one allocation with lifetimes, permissions, channels and relaying, errors on
/// demand. Time is whatever the test passes in; expired state is dropped like a real server.
struct SimulatedTURNServer {
    var address = SocketAddress("192.0.2.10:3478")!
    var relayed = SocketAddress("192.0.2.10:50000")!
    var clientMapped = SocketAddress("198.51.100.7:40000")!
    var realm = "kvsmaster.test"
    var username = "1700000000:camera"
    var password = "c2VjcmV0LXBhc3N3b3Jk"
    var nonce = "nonce-0"
    /// Rotate the nonce (438 for the old one) this long after it was issued; nil never.
    var nonceLifetime: Duration?
    var maxLifetime: UInt32 = 3600
    var forbiddenPeers: Set<IPAddress> = []
    /// Answer the authenticated Allocate with this error instead of allocating.
    var allocateError: STUNErrorCode?
    var alternateServer: SocketAddress?
    /// Answer every authenticated request of this method with this error.
    var failMethod: (STUNMethod, STUNErrorCode)?
    var stream = false

    var allocationExpiry: Instant?
    var permissions: [IPAddress: Instant] = [:]
    var channels: [UInt16: (peer: SocketAddress, expiry: Instant)] = [:]
    var deliveredToPeers: [(peer: SocketAddress, data: [UInt8], viaChannel: Bool)] = []
    var requestCounts: [STUNMethod: Int] = [:]
    var challenges = 0
    var staleNonces = 0
    var staleRefreshes = 0
    /// Responses by transaction id, replayed for retransmitted requests (RFC 8489 §6.3.1) so a
    /// lost Allocate response does not turn into 437 for the retransmission.
    private var responses: [TransactionID: [UInt8]] = [:]
    var droppedRelays = 0
    var malformed = 0
    var everExpired = false
    private var nonceIssuedAt = Instant.zero
    private var nonceCounter = 0
    private var framer = TURNStreamFramer()

    var key: STUNKey { (try? STUNKey.longTerm(username: username, realm: realm, password: password)) ?? STUNKey(bytes: []) }

    func allocationActive(at now: Instant) -> Bool { allocationExpiry.map { now < $0 } ?? false }

    /// Bytes from the client (a datagram, or a chunk of the stream); returns what goes back.
    mutating func receive(_ bytes: [UInt8], now: Instant) -> [[UInt8]] {
        expire(now: now)
        guard stream else { return handle(bytes, now: now).map { [$0] } ?? [] }
        framer.append(bytes)
        var out: [[UInt8]] = []
        while let message = try? framer.nextMessage() {
            if let reply = handle(message, now: now) { out.append(reply) }
        }
        return out
    }

    /// A peer sends `data` to the relayed address; returns the message for the client, if the
    /// server relays it (RFC 8656 §10.3, §12.6).
    mutating func peerSends(_ data: [UInt8], from peer: SocketAddress, now: Instant) -> [UInt8]? {
        expire(now: now)
        guard allocationActive(at: now), permissions[peer.ip] != nil else {
            droppedRelays += 1
            return nil
        }
        if let (number, _) = channels.first(where: { $0.value.peer == peer }) {
            return try? ChannelData(channelNumber: number, data: data).encode(padded: stream)
        }
        let id = TransactionID(high: 7, low: UInt64(deliveredToPeers.count))
        return try? TURNDataIndication(peer: peer, data: data).message(transactionID: id).encode()
    }

    private mutating func expire(now: Instant) {
        if let expiry = allocationExpiry, expiry <= now {
            everExpired = true
            allocationExpiry = nil
        }
        if allocationExpiry == nil {
            permissions = [:]
            channels = [:]
        }
        permissions = permissions.filter { $0.value > now }
        channels = channels.filter { $0.value.expiry > now }
        if let lifetime = nonceLifetime, now - nonceIssuedAt >= lifetime {
            nonceCounter += 1
            nonce = "nonce-\(nonceCounter)"
            nonceIssuedAt = now
        }
    }

    private mutating func handle(_ bytes: [UInt8], now: Instant) -> [UInt8]? {
        if let first = bytes.first, (0x40...0x4F).contains(first) {
            guard let channel = try? ChannelData(decoding: bytes) else {
                malformed += 1
                return nil
            }
            relay(channel.data, channel: channel.channelNumber, now: now)
            return nil
        }
        guard let message = try? STUNMessage(decoding: bytes) else {
            malformed += 1
            return nil
        }
        if message.messageClass == .indication, message.method == .send {
            if let peer = message.xorPeerAddresses.first, let data = message.data { relay(data, to: peer, now: now) }
            return nil
        }
        guard message.messageClass == .request else { return nil }
        if let cached = responses[message.transactionID] { return cached }
        requestCounts[message.method, default: 0] += 1
        let reply = authenticate(message, raw: bytes) ?? (try? answer(message, now: now).encode(integrity: key))
        responses[message.transactionID] = reply
        return reply
    }

    private mutating func relay(_ data: [UInt8], to peer: SocketAddress, now: Instant) {
        guard allocationActive(at: now), permissions[peer.ip] != nil else {
            droppedRelays += 1
            return
        }
        deliveredToPeers.append((peer, data, false))
    }

    private mutating func relay(_ data: [UInt8], channel: UInt16, now: Instant) {
        guard allocationActive(at: now), let binding = channels[channel] else {
            droppedRelays += 1
            return
        }
        deliveredToPeers.append((binding.peer, data, true))
    }

    /// RFC 8489 §9.2.4: 401 without credentials or with a bad MAC, 438 for an old nonce.
    private mutating func authenticate(_ message: STUNMessage, raw: [UInt8]) -> [UInt8]? {
        let challenge = [STUNAttribute.realm(realm), .nonce(nonce)]
        guard message.messageIntegrity != nil, message.username != nil else {
            challenges += 1
            return try? message.errorResponse(.unauthenticated, attributes: challenge).encode()
        }
        if message.nonce != nonce {
            staleNonces += 1
            if message.method == .refresh { staleRefreshes += 1 }
            return try? message.errorResponse(.staleNonce, attributes: challenge).encode()
        }
        guard message.username == username, message.realm == realm, STUNMessage.verifyIntegrity(of: raw, key: key)
        else {
            challenges += 1
            return try? message.errorResponse(.unauthenticated, attributes: challenge).encode()
        }
        return nil
    }

    private mutating func answer(_ message: STUNMessage, now: Instant) -> STUNMessage {
        if let (method, code) = failMethod, method == message.method { return message.errorResponse(code) }
        switch message.method {
        case .allocate: return allocate(message, now: now)
        case .refresh:
            guard allocationActive(at: now) else { return message.errorResponse(.allocationMismatch) }
            let lifetime = min(message.lifetime ?? 600, maxLifetime)
            allocationExpiry = lifetime == 0 ? nil : now + .seconds(lifetime)
            return message.successResponse(attributes: [.lifetime(lifetime)])
        case .createPermission:
            guard allocationActive(at: now) else { return message.errorResponse(.allocationMismatch) }
            let peers = message.xorPeerAddresses
            guard !peers.isEmpty else { return message.errorResponse(.badRequest) }
            if peers.contains(where: { forbiddenPeers.contains($0.ip) }) {
                return message.errorResponse(STUNErrorCode(code: 403, reason: "Forbidden IP"))
            }
            for peer in peers { permissions[peer.ip] = now + .seconds(300) }
            return message.successResponse()
        case .channelBind:
            return channelBind(message, now: now)
        default:
            return message.errorResponse(.badRequest)
        }
    }

    private mutating func allocate(_ message: STUNMessage, now: Instant) -> STUNMessage {
        if let allocateError {
            return message.errorResponse(allocateError, attributes: alternateServer.map { [.alternateServer($0)] } ?? [])
        }
        guard !allocationActive(at: now) else { return message.errorResponse(.allocationMismatch) }
        guard case .requestedTransport(17)? = message.first(.requestedTransport) else {
            return message.errorResponse(.unsupportedTransportProtocol)
        }
        let lifetime = min(message.lifetime ?? 600, maxLifetime)
        allocationExpiry = now + .seconds(lifetime)
        return message.successResponse(attributes: [
            .xorRelayedAddress(relayed), .xorMappedAddress(clientMapped), .lifetime(lifetime),
        ])
    }

    private mutating func channelBind(_ message: STUNMessage, now: Instant) -> STUNMessage {
        guard allocationActive(at: now) else { return message.errorResponse(.allocationMismatch) }
        guard let number = message.channelNumber, ChannelData.validChannelNumbers.contains(number),
            let peer = message.xorPeerAddresses.first
        else { return message.errorResponse(.badRequest) }
        if forbiddenPeers.contains(peer.ip) { return message.errorResponse(.forbidden) }
        if let existing = channels[number], existing.peer != peer { return message.errorResponse(.badRequest) }
        if channels.contains(where: { $0.key != number && $0.value.peer == peer }) {
            return message.errorResponse(.badRequest)
        }
        channels[number] = (peer, now + .seconds(600))
        permissions[peer.ip] = now + .seconds(300)
        return message.successResponse()
    }
}
