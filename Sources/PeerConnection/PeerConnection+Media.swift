import ICETransport
import Security
import WireKit

/// SRTP and SRTCP (RFC 3711) over the bundled transport (RFC 8843, RFC 5761 rtcp-mux), keyed
/// from the DTLS export (RFC 5764 §4.2).
extension PeerConnection {
    /// Protects an RTP packet with the outbound session and sends it on the selected pair.
    /// Taking the packet (`consuming`) lets SRTP protect the caller's buffer in place when the
    /// caller holds no other reference to it.
    public func sendRTP(_ packet: consuming [UInt8]) throws(PeerConnectionError) {
        try sendProtected(packet, isRTCP: false)
    }

    /// Protects an RTCP compound packet (SRTCP) and sends it.
    public func sendRTCP(_ packet: consuming [UInt8]) throws(PeerConnectionError) {
        try sendProtected(packet, isRTCP: true)
    }

    private func sendProtected(_ packet: consuming [UInt8], isRTCP: Bool) throws(PeerConnectionError) {
        guard phase == .running else { throw .closed }
        guard let srtpOutbound else { throw .mediaNotReady }
        var protected = consume packet
        protected.reserveCapacity(protected.count + max(srtpOutbound.profile.rtpTrailerLength, srtpOutbound.profile.rtcpTrailerLength + 4))
        do throws(SRTPError) {
            if isRTCP { try srtpOutbound.protectRTCP(&protected) } else { try srtpOutbound.protectRTP(&protected) }
        } catch {
            throw .srtp(error)
        }
        do throws(ICETransportError) {
            try transport.send(protected)
        } catch {
            counters.sendFailures &+= 1
            throw .transport(error)
        }
        counters.packetsSent &+= 1
        counters.bytesSent &+= protected.count
        if isRTCP { counters.rtcpPacketsSent &+= 1 } else { counters.rtpPacketsSent &+= 1 }
    }

    /// An SRTP or SRTCP packet from the peer: unprotected and delivered, or counted as failed
    /// (authentication, replay) and dropped.
    func receiveSRTP(_ datagram: [UInt8], isRTCP: Bool) {
        guard let srtpInbound else {
            // Media before DTLS finished cannot be decrypted (RFC 5764 §5.1.2 timing): dropped.
            counters.mediaBeforeKeys &+= 1
            return
        }
        var packet = datagram
        do throws(SRTPError) {
            if isRTCP {
                try srtpInbound.unprotectRTCP(&packet)
                counters.rtcpPacketsReceived &+= 1
                onRTCP?(packet)
            } else {
                try srtpInbound.unprotectRTP(&packet)
                counters.rtpPacketsReceived &+= 1
                onRTP?(packet)
            }
        } catch {
            // Counted by the session (packetsFailedDecryption).
        }
    }
}
