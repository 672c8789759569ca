import STUN
import WireKit

/// Fuzz entry point for the STUN message codec (RFC 8489) and TURN ChannelData framing
/// (RFC 8656 §12). Every input is tried as both; whatever decodes must survive re-encoding
/// and decoding again unchanged, and the quick classifiers must agree with the full decoders.
public enum STUNFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        let stun = runSTUN(data)
        if case .invariantViolated = stun { return stun }
        let channel = runChannelData(data)
        if case .invariantViolated = channel { return channel }
        return stun == .accepted || channel == .accepted ? .accepted : .rejected
    }

    /// Valid messages to mutate: the RFC 5769 vectors and TURN traffic of each kind.
    public static let seeds: [[UInt8]] = {
        var out: [[UInt8]] = [
            "000100582112a442b7e7a701bc34d686fa87dfae8022001053545554207465737420636c69656e74002400046e0001ff"
                + "80290008932ff9b151263b36000600096576746a3a6836765920202000080014"
                + "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
            "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643"
                + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
            "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9fa"
                + "a5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c",
        ].compactMap { Hex.decode($0) }
        let tid = TransactionID(high: 0x0102_0304, low: 0x0506_0708_090A_0B0C)
        let peer = SocketAddress(ip: .v6(IPv6Address(high: 0x2001_0DB8_0000_0001, low: 7)), port: 5000)
        let v4 = SocketAddress(ip: .v4(IPv4Address(203, 0, 113, 9)), port: 3478)
        let messages: [STUNMessage] = [
            STUNMessage.allocateRequest(transactionID: tid, lifetime: 600, dontFragment: true, evenPort: true)
                .addingLongTermCredentials(username: "1700000000:viewer", realm: "kvs", nonce: "n0nce"),
            STUNMessage.createPermissionRequest(transactionID: tid, peers: [peer, v4]),
            STUNMessage.channelBindRequest(transactionID: tid, channelNumber: 0x4001, peer: v4),
            STUNMessage.sendIndication(transactionID: tid, peer: peer, data: [1, 2, 3, 4, 5]),
            STUNMessage.allocateRequest(transactionID: tid).errorResponse(
                .staleNonce, attributes: [.realm("kvs"), .nonce("n1"), .unknownAttributes([.init(0x7777)]),
                                          .alternateServer(v4), .reservationToken(9)]),
            STUNMessage(method: .binding, messageClass: .success, transactionID: tid,
                        attributes: [.xorMappedAddress(peer), .mappedAddress(v4), .xorRelayedAddress(v4),
                                     .lifetime(30), .iceControlling(77), .useCandidate, .priority(5),
                                     .unknown(type: .init(0xC0DE), value: [1, 2, 3])]),
        ]
        let key = STUNKey(bytes: Array("fuzz-key".utf8))
        for m in messages {
            if let bytes = try? m.encode(integrity: key, integritySHA256: key, fingerprint: true) { out.append(bytes) }
        }
        for (channel, padded) in [(UInt16(0x4001), false), (0x4FFF, true)] {
            let message = ChannelData(channelNumber: channel, data: Array("relayed media".utf8))
            if let bytes = try? message.encode(padded: padded) { out.append(bytes) }
        }
        return out
    }()

    static func runSTUN(_ data: [UInt8]) -> FuzzOutcome {
        let key = STUNKey(bytes: [0x6B])
        // Exercised for traps only: any input may or may not verify.
        _ = STUNMessage.verifyIntegrity(of: data, key: key)
        _ = STUNMessage.verifyIntegritySHA256(of: data, key: key)
        let fingerprintOK = STUNMessage.verifyFingerprint(of: data)
        let message: STUNMessage
        do { message = try STUNMessage(decoding: data) } catch { return .rejected }

        if fingerprintOK, message.fingerprint == nil {
            return .invariantViolated("FINGERPRINT verified but was not decoded")
        }
        if let first = data.first, first <= 3, !STUN.looksLikeSTUN(data) {
            return .invariantViolated("decoded STUN that looksLikeSTUN rejects")
        }
        if STUN.streamFrameLength(data) != data.count { return .invariantViolated("stream frame length differs") }
        _ = message.unknownAttributeResponse()

        let bytes: [UInt8]
        do { bytes = try message.encode() } catch { return .invariantViolated("re-encoding failed: \(error)") }
        if bytes.count > data.count { return .invariantViolated("re-encoding grew the message") }
        guard let again = try? STUNMessage(decoding: bytes) else {
            return .invariantViolated("re-encoding does not decode")
        }
        if again != message { return .invariantViolated("decode(encode(m)) != m") }

        // Signing what was decoded must verify and keep every covered attribute.
        do {
            let signed = try message.encode(integrity: key, fingerprint: true)
            guard STUNMessage.verifyIntegrity(of: signed, key: key), STUNMessage.verifyFingerprint(of: signed) else {
                return .invariantViolated("a message signed here does not verify")
            }
            let covered = message.attributes.filter { !isTrailer($0) }
            let decoded = try STUNMessage(decoding: signed)
            if Array(decoded.attributes.dropLast(2)) != covered {
                return .invariantViolated("signed message lost attributes")
            }
        } catch STUNError.messageTooLong {
            // Adding 32 bytes of trailers may exceed the 16-bit length of a message near the limit.
        } catch {
            return .invariantViolated("signing failed: \(error)")
        }
        return .accepted
    }

    static func runChannelData(_ data: [UInt8]) -> FuzzOutcome {
        let looksLike = ChannelData.looksLike(data)
        let decoded: ChannelData
        do { decoded = try ChannelData(decoding: data) } catch {
            return looksLike ? .invariantViolated("looksLike accepted what the decoder rejects") : .rejected
        }
        if !looksLike { return .invariantViolated("looksLike rejected a ChannelData message") }
        guard let frame = STUN.streamFrameLength(data), frame >= data.count, frame - data.count < 4 else {
            return .invariantViolated("stream frame length disagrees with ChannelData")
        }
        for padded in [false, true] {
            guard let bytes = try? decoded.encode(padded: padded) else {
                return .invariantViolated("ChannelData re-encoding failed")
            }
            if padded, bytes.count != frame { return .invariantViolated("padded length differs from frame length") }
            guard let again = try? ChannelData(decoding: bytes), again == decoded else {
                return .invariantViolated("ChannelData round trip changed the value")
            }
        }
        return .accepted
    }

    private static func isTrailer(_ attribute: STUNAttribute) -> Bool {
        switch attribute {
        case .messageIntegrity, .messageIntegritySHA256, .fingerprint: true
        default: false
        }
    }
}
