import DataChannel
import ICE
import ICETransport
import WireKit

/// A snapshot of a peer connection's W3C-style statistics (W3C webrtc-stats), named as the
/// KVS WebRTC guide's metrics section names them where a name exists there:
/// `RTCIceCandidatePairStats`, `RTCIceCandidateStats`, `RTCIceServerStats`,
/// `RTCDataChannelStats` and `RTCTransportStats`.
public struct PeerConnectionStatistics: Sendable, Equatable {
    public var timestamp: Instant
    public var state: PeerConnectionState
    /// The selected pair (nil before ICE selects one).
    public var candidatePair: CandidatePairStatistics?
    public var localCandidates: [CandidateStatistics]
    public var remoteCandidates: [CandidateStatistics]
    public var iceServers: [ICEServerStatistics]
    public var dataChannels: [DataChannelStatistics]
    public var transport: TransportStatistics
}

/// `RTCIceCandidatePairStats` for the selected pair.
public struct CandidatePairStatistics: Sendable, Equatable {
    public var localCandidateId: String
    public var remoteCandidateId: String
    /// `frozen`, `waiting`, `in-progress`, `succeeded` or `failed`.
    public var state: String
    public var nominated: Bool
    /// Non-STUN traffic on the pair (DTLS, SRTP): what the transport carried for this connection.
    public var bytesSent: Int
    public var bytesReceived: Int
    public var packetsSent: Int
    public var packetsReceived: Int
    /// Seconds, of the latest check or consent response; nil before the first.
    public var currentRoundTripTime: Double?
    /// Seconds, summed over every response received.
    public var totalRoundTripTime: Double
    /// Connectivity and consent checks sent (not counting retransmissions).
    public var requestsSent: Int
    public var responsesReceived: Int
    /// Checks the peer sent on the pair (retransmissions included) and our answers.
    public var requestsReceived: Int
    public var responsesSent: Int
    public var consentRequestsSent: Int
}

/// `RTCIceCandidateStats`.
public struct CandidateStatistics: Sendable, Equatable {
    public var id: String
    public var address: String
    public var port: UInt16
    /// `udp` or `tcp`.
    public var `protocol`: String
    /// `host`, `srflx`, `prflx` or `relay`.
    public var candidateType: String
    public var priority: UInt32
    public var foundation: String
}

/// `RTCIceServerStats`: the TURN servers configured for the connection.
public struct ICEServerStatistics: Sendable, Equatable {
    public var url: String
    public var port: UInt16
    public var `protocol`: String
}

/// `RTCDataChannelStats`.
public struct DataChannelStatistics: Sendable, Equatable {
    public var dataChannelIdentifier: UInt16
    public var label: String
    public var `protocol`: String
    /// `connecting`, `open`, `closing` or `closed`.
    public var state: String
    public var messagesSent: Int
    public var bytesSent: Int
    public var messagesReceived: Int
    public var bytesReceived: Int
}

/// `RTCTransportStats`, with the SRTP counters (`packetsFailedDecryption`) of the bundle.
public struct TransportStatistics: Sendable, Equatable {
    /// `new`, `connecting`, `connected`, `closed` or `failed`.
    public var dtlsState: String
    public var selectedCandidatePairId: String?
    public var bytesSent: Int
    public var bytesReceived: Int
    public var packetsSent: Int
    public var packetsReceived: Int
    /// SRTP/SRTCP packets that failed authentication or replay checks (RFC 3711 §3.3).
    public var packetsFailedDecryption: Int
    /// Of those, replays (RFC 3711 §3.3.2).
    public var replaysRejected: Int
    public var srtpCipher: String?
    public var dtlsCipher: String?
    public var rtpPacketsSent: Int
    public var rtpPacketsReceived: Int
    public var rtcpPacketsSent: Int
    public var rtcpPacketsReceived: Int
    /// Datagrams that were neither DTLS nor RTP/RTCP, or DTLS before there was an endpoint.
    public var unexpectedDatagrams: Int
    /// SRTP that arrived before the keys existed.
    public var mediaBeforeKeys: Int
    public var sendFailures: Int
}

/// Counters the connection keeps itself.
struct TransportCounters {
    var bytesSent = 0
    var bytesReceived = 0
    var packetsSent = 0
    var packetsReceived = 0
    var rtpPacketsSent = 0
    var rtpPacketsReceived = 0
    var rtcpPacketsSent = 0
    var rtcpPacketsReceived = 0
    var unexpectedDatagrams = 0
    var mediaBeforeKeys = 0
    var sendFailures = 0
    var sctpPacketsDropped = 0
    var sctpSetupErrors = 0
}

struct DataChannelCounters {
    enum State: String {
        case connecting, open, closing, closed
    }

    var info: DataChannelInfo
    var state = State.connecting
    var messagesSent = 0
    var bytesSent = 0
    var messagesReceived = 0
    var bytesReceived = 0
}

extension PeerConnection {
    /// The statistics now.
    public func statistics() -> PeerConnectionStatistics {
        let agent = transport.agent
        let locals = agent.localCandidates.enumerated().map { Self.candidateStatistics($1, id: "L\($0)") }
        let remotes = agent.remoteCandidates.enumerated().map { Self.candidateStatistics($1, id: "R\($0)") }
        var pairStatistics: CandidatePairStatistics?
        if let selected = agent.selectedPair,
            let pair = agent.pairs.first(where: { pair in
                agent.localCandidates.indices.contains(pair.localIndex)
                    && agent.remoteCandidates.indices.contains(pair.remoteIndex)
                    && agent.localCandidates[pair.localIndex] == selected.local
                    && agent.remoteCandidates[pair.remoteIndex] == selected.remote
            })
        {
            pairStatistics = CandidatePairStatistics(
                localCandidateId: "L\(pair.localIndex)", remoteCandidateId: "R\(pair.remoteIndex)",
                state: Self.pairStateName(pair.state), nominated: pair.isNominated,
                bytesSent: counters.bytesSent, bytesReceived: counters.bytesReceived,
                packetsSent: counters.packetsSent, packetsReceived: counters.packetsReceived,
                currentRoundTripTime: pair.counters.currentRoundTripTime.map(Self.seconds),
                totalRoundTripTime: Self.seconds(pair.counters.totalRoundTripTime),
                requestsSent: pair.counters.requestsSent, responsesReceived: pair.counters.responsesReceived,
                requestsReceived: pair.counters.requestsReceived, responsesSent: pair.counters.responsesSent,
                consentRequestsSent: pair.counters.consentRequestsSent)
        }
        let servers = transport.configuration.turnServers.map { server in
            ICEServerStatistics(
                url: "turn:\(server.address)?transport=\(server.transport.rawValue)", port: server.address.port,
                protocol: server.transport.rawValue)
        }
        let channels = channelCounters.keys.sorted().compactMap { id -> DataChannelStatistics? in
            guard let entry = channelCounters[id] else { return nil }
            return DataChannelStatistics(
                dataChannelIdentifier: id, label: entry.info.parameters.label,
                protocol: entry.info.parameters.protocolName, state: entry.state.rawValue,
                messagesSent: entry.messagesSent, bytesSent: entry.bytesSent,
                messagesReceived: entry.messagesReceived, bytesReceived: entry.bytesReceived)
        }
        let transportStatistics = TransportStatistics(
            dtlsState: dtlsStateName, selectedCandidatePairId: pairStatistics.map { "\($0.localCandidateId)-\($0.remoteCandidateId)" },
            bytesSent: counters.bytesSent, bytesReceived: counters.bytesReceived,
            packetsSent: counters.packetsSent, packetsReceived: counters.packetsReceived,
            packetsFailedDecryption: Int(srtpInbound?.failedUnprotects ?? 0),
            replaysRejected: Int(srtpInbound?.replaysRejected ?? 0),
            srtpCipher: dtlsConnection?.srtpProfile.rawValue, dtlsCipher: dtlsConnection?.cipherSuite,
            rtpPacketsSent: counters.rtpPacketsSent, rtpPacketsReceived: counters.rtpPacketsReceived,
            rtcpPacketsSent: counters.rtcpPacketsSent, rtcpPacketsReceived: counters.rtcpPacketsReceived,
            unexpectedDatagrams: counters.unexpectedDatagrams, mediaBeforeKeys: counters.mediaBeforeKeys,
            sendFailures: counters.sendFailures)
        return PeerConnectionStatistics(
            timestamp: loop.now, state: state, candidatePair: pairStatistics, localCandidates: locals,
            remoteCandidates: remotes, iceServers: servers, dataChannels: channels, transport: transportStatistics)
    }

    var dtlsStateName: String {
        guard let dtls else { return "new" }
        switch dtls.state {
        case .idle: return "new"
        case .handshaking: return "connecting"
        case .connected: return "connected"
        case .closed: return "closed"
        case .failed: return "failed"
        }
    }

    static func candidateStatistics(_ candidate: ICECandidate, id: String) -> CandidateStatistics {
        CandidateStatistics(
            id: id, address: candidate.address.ip.description, port: candidate.address.port,
            protocol: candidate.transport.rawValue, candidateType: candidate.kind.sdpName, priority: candidate.priority,
            foundation: candidate.foundation)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    static func pairStateName(_ state: CandidatePairState) -> String {
        switch state {
        case .frozen: "frozen"
        case .waiting: "waiting"
        case .inProgress: "in-progress"
        case .succeeded: "succeeded"
        case .failed: "failed"
        }
    }
}
