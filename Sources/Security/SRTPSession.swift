import CSRTP

/// One direction of SRTP/SRTCP (RFC 3711) for every SSRC of a peer connection, over libsrtp2.
///
/// An outbound session protects what we send, an inbound one unprotects what the peer sends;
/// WebRTC keys the two from the two halves of the DTLS export (``SRTPKeyingMaterial``). Replay
/// protection is on for inbound packets. Owns the `srtp_t` and frees it in `deinit`.
public final class SRTPSession {
    public enum Direction: Sendable {
        case outbound
        case inbound
    }

    public let profile: SRTPProfile
    public let direction: Direction
    private var session: srtp_t?

    /// Packets that failed authentication or replay checks (`packetsFailedDecryption` in stats).
    public private(set) var failedUnprotects: UInt64 = 0
    /// Of those, packets rejected as replays.
    public private(set) var replaysRejected: UInt64 = 0

    /// - Parameters:
    ///   - replayWindow: inbound replay window in packets (libsrtp2 accepts 64…32768).
    ///   - allowRepeatedTransmit: lets an outbound session protect the same RTP sequence number
    ///     twice, which plain (non-RTX) NACK retransmission needs.
    public init(
        profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8], direction: Direction,
        replayWindow: Int = 1024, allowRepeatedTransmit: Bool = true
    ) throws(SRTPError) {
        try SRTPLibrary.initialize()
        guard masterKey.count == profile.masterKeyLength, masterSalt.count == profile.masterSaltLength else {
            throw SRTPError(status: srtp_err_status_bad_param.rawValue, operation: "key setup (wrong key or salt length)")
        }
        self.profile = profile
        self.direction = direction
        var key = masterKey + masterSalt
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aes128CmHmacSha1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = UInt(max(64, min(replayWindow, 32768)))
        policy.allow_repeat_tx = allowRepeatedTransmit ? 1 : 0
        var created: srtp_t? = nil
        let status = key.withUnsafeMutableBufferPointer { k -> srtp_err_status_t in
            policy.key = k.baseAddress
            return srtp_create(&created, &policy)
        }
        // libsrtp2 copies the key; wipe ours.
        for i in key.indices { key[i] = 0 }
        guard status == srtp_err_status_ok, let created else {
            throw SRTPError(status: status.rawValue, operation: "srtp_create")
        }
        session = created
    }

    deinit {
        if let session { srtp_dealloc(session) }
    }

    /// Protects the RTP packet in `packet` in place, appending the auth tag. No allocation when
    /// `packet` has ``SRTPProfile/rtpTrailerLength`` bytes of spare capacity.
    public func protectRTP(_ packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, trailer: profile.rtpTrailerLength, operation: "srtp_protect") { s, p, n in
            srtp_protect(s, p, n)
        }
    }

    /// Protects an RTP packet held in raw memory of `capacity` bytes; returns the protected length.
    public func protectRTP(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        guard capacity - length >= profile.rtpTrailerLength, let session else {
            throw SRTPError(status: srtp_err_status_bad_param.rawValue, operation: "srtp_protect (buffer too small)")
        }
        var n = Int32(length)
        let status = srtp_protect(session, buffer, &n)
        guard status == srtp_err_status_ok else { throw SRTPError(status: status.rawValue, operation: "srtp_protect") }
        return Int(n)
    }

    /// Checks and decrypts the SRTP packet in `packet` in place; failures are counted.
    public func unprotectRTP(_ packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, trailer: 0, operation: "srtp_unprotect") { s, p, n in srtp_unprotect(s, p, n) }
    }

    public func protectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, trailer: profile.rtcpTrailerLength, minimumLength: 8, operation: "srtp_protect_rtcp") { s, p, n in
            srtp_protect_rtcp(s, p, n)
        }
    }

    public func unprotectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, trailer: 0, minimumLength: 8, operation: "srtp_unprotect_rtcp") { s, p, n in
            srtp_unprotect_rtcp(s, p, n)
        }
    }

    private func transform(
        _ packet: inout [UInt8], trailer: Int, minimumLength: Int = 12, operation: String,
        _ call: (srtp_t, UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t
    ) throws(SRTPError) {
        guard let session else { throw SRTPError(status: srtp_err_status_dealloc_fail.rawValue, operation: operation) }
        // libsrtp2 reads the header before checking lengths; refuse what cannot be a packet
        // (12-byte RTP header, 8-byte RTCP header).
        guard packet.count >= minimumLength else {
            if direction == .inbound { failedUnprotects += 1 }
            throw SRTPError(status: srtp_err_status_bad_param.rawValue, operation: operation)
        }
        let original = packet.count
        if trailer > 0 { packet.append(contentsOf: repeatElement(0, count: trailer)) }
        var n = Int32(original)
        let status = packet.withUnsafeMutableBytes { raw in call(session, raw.baseAddress!, &n) }
        guard status == srtp_err_status_ok, n >= 0, Int(n) <= packet.count else {
            packet.removeLast(packet.count - original)
            if direction == .inbound {
                failedUnprotects += 1
                if status == srtp_err_status_replay_fail || status == srtp_err_status_replay_old { replaysRejected += 1 }
            }
            throw SRTPError(status: status.rawValue, operation: operation)
        }
        packet.removeLast(packet.count - Int(n))
    }
}
