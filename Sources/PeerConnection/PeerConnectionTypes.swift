import DataChannel
import ICE
import ICETransport
import SDP
import Security
import WireKit

/// The aggregate state of a peer connection, after the W3C `RTCPeerConnectionState` (WebRTC 1.0
/// §4.3.3): derived from the ICE connection state (RFC 8445) and the DTLS state (RFC 6347).
public enum PeerConnectionState: String, Sendable, Hashable {
    case new
    /// ICE checks or the DTLS handshake are under way.
    case connecting
    /// ICE has a selected pair and DTLS is connected.
    case connected
    /// ICE lost consent or connectivity for a while (RFC 7675); it may come back.
    case disconnected
    /// ICE or DTLS failed; see ``PeerConnection/failure``.
    case failed
    case closed
}

/// Why a peer connection failed, worded for a log line. Never carries key material.
public enum PeerConnectionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// ICE found no working pair or lost consent for good (RFC 8445 §8, RFC 7675 §5.1).
    case ice(ICEFailureReason?)
    /// The DTLS handshake or association failed (RFC 6347); a certificate that does not match
    /// the remote description's `a=fingerprint` is ``DTLSError/fingerprintMismatch(algorithm:)``.
    case dtls(DTLSError)
    /// SRTP sessions could not be created from the exported keys (RFC 5764 §4.2).
    case srtp(SRTPError)
    /// The SCTP association for the data channels could not be created or failed (RFC 8831 §6).
    case sctp(String)

    public var description: String {
        switch self {
        case .ice(let reason): "ICE failed" + (reason.map { ": \($0)" } ?? "")
        case .dtls(.fingerprintMismatch(let algorithm)):
            "DTLS failed: the remote certificate does not match the remote description's a=fingerprint (\(algorithm.rawValue))"
        case .dtls(let error): "DTLS failed: \(error)"
        case .srtp(let error): "SRTP setup failed: \(error)"
        case .sctp(let reason): "SCTP failed: \(reason)"
        }
    }

    /// True for the RFC 8122 §5 fingerprint check failing.
    public var isFingerprintMismatch: Bool {
        if case .dtls(.fingerprintMismatch) = self { true } else { false }
    }
}

/// Why a remote description cannot be used or a command was refused.
public enum PeerConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The description breaks a rule we rely on (e.g. two sections with one mid, RFC 8843 §7.2).
    case invalidDescription(String)
    /// No media section to bundle on (RFC 9143 §7.3.1), or every section is rejected.
    case noUsableMedia
    /// The transport section carries no `a=ice-ufrag`/`a=ice-pwd` (RFC 8839 §5.4).
    case missingICECredentials
    /// No `a=fingerprint` with an accepted hash function (RFC 8122 §5, RFC 8827 §6.5).
    case noUsableFingerprint
    /// `a=setup` is missing or cannot be answered (RFC 8842 §5).
    case unusableSetup(String?)
    /// The description is not an answer to our offer (mids or section count differ).
    case answerMismatch(String)
    /// The call does not fit the current phase (e.g. an answer when we did not offer).
    case wrongPhase(String)
    case transport(ICETransportError)
    case dtls(DTLSError)
    case srtp(SRTPError)
    case sctp(SCTPError)
    /// SRTP is not keyed yet (DTLS not connected) or there is no RTP section.
    case mediaNotReady
    /// Data channels were not negotiated, or the association is not up yet.
    case dataChannelsNotReady
    case closed

    public var description: String {
        switch self {
        case .invalidDescription(let reason): "invalid description: \(reason)"
        case .noUsableMedia: "no usable media section"
        case .missingICECredentials: "missing a=ice-ufrag/a=ice-pwd"
        case .noUsableFingerprint: "no a=fingerprint with sha-256, sha-384 or sha-512"
        case .unusableSetup(let value): "unusable a=setup: \(value ?? "none")"
        case .answerMismatch(let reason): "answer does not match the offer: \(reason)"
        case .wrongPhase(let reason): reason
        case .transport(let error): "ICE transport: \(error)"
        case .dtls(let error): "DTLS: \(error)"
        case .srtp(let error): "SRTP: \(error)"
        case .sctp(let error): "SCTP: \(error)"
        case .mediaNotReady: "SRTP is not keyed yet"
        case .dataChannelsNotReady: "data channels are not available"
        case .closed: "peer connection closed"
        }
    }
}

/// What a ``PeerConnection`` reports to its owner, on the loop thread.
public enum PeerConnectionEvent: Sendable, Equatable {
    /// The local description is ready to signal: at once when trickling (RFC 8838 §4.1.1),
    /// after gathering otherwise (then it carries the candidates and `a=end-of-candidates`).
    case localDescription(SessionDescription)
    /// A local candidate to trickle (RFC 8838 §4), only after ``localDescription(_:)`` and only
    /// when trickling.
    case localCandidate(CandidateAttribute, mid: String)
    /// Gathering is over (RFC 8838 §4.3), when trickling.
    case endOfCandidates
    case stateChanged(PeerConnectionState)
    case selectedPairChanged(ICESelectedPair)
    /// DTLS connected and SRTP keyed (RFC 5764 §4.2); the facts never include key bytes.
    case dtlsConnected(profile: SRTPProfile, cipherSuite: String)
    /// The SCTP association is up (RFC 8831 §6): channels can be opened from our side.
    case dataChannelTransportReady
    case dataChannelOpened(DataChannelInfo)
    case dataChannelMessage(channel: UInt16, data: [UInt8], isBinary: Bool)
    case dataChannelClosed(UInt16)
}

/// Settings of a ``PeerConnection``.
public struct PeerConnectionConfiguration: Sendable {
    /// ICE: local addresses, policy, TURN servers (already resolved).
    public var transport: ICETransportConfiguration
    /// Our certificate and SRTP profiles (RFC 5764 §4.1.2), shared by every peer connection.
    public var dtlsContext: DTLSContext
    /// Our `a=sctp-port` (RFC 8841 §5).
    public var sctpPort: UInt16
    /// Our `a=max-message-size` (RFC 8841 §6).
    public var maxMessageSize: Int
    /// The inbound SRTP replay window in packets (RFC 3711 §3.3.2).
    public var replayWindow: Int
    /// Whether an offer we build announces `a=ice-options:trickle` (RFC 8840 §4.1.1).
    public var offerTrickle: Bool
    /// Whether an offer we build has a video section (VP8 and H.264, sendrecv) before the data
    /// channel section.
    public var offerVideo: Bool
    /// The DTLS handshake timeout (RFC 6347 §4.2.4.1 retransmissions run inside it).
    public var dtlsHandshakeTimeout: Duration
    /// Answers offered RTP sections (the daemon's media negotiation); nil: receive-only.
    public var mediaAnswerer: MediaSectionAnswerer?
    /// Whether our answer trickles whatever the offer says (nil: as the offer says). The KVS
    /// storage session expects trickled candidates.
    public var answerTrickle: Bool?
    /// Whether our description carries host candidates (the KVS storage session, a cloud
    /// service, gets none; trickled candidates are the owner's to filter).
    public var signalsHostCandidates = true

    public init(
        transport: ICETransportConfiguration = ICETransportConfiguration(), dtlsContext: DTLSContext,
        sctpPort: UInt16 = SCTPConfiguration.defaultPort, maxMessageSize: Int = 262_144, replayWindow: Int = 1024,
        offerTrickle: Bool = true, offerVideo: Bool = true, dtlsHandshakeTimeout: Duration = .seconds(30)
    ) {
        self.transport = transport
        self.dtlsContext = dtlsContext
        self.sctpPort = sctpPort
        self.maxMessageSize = maxMessageSize
        self.replayWindow = replayWindow
        self.offerTrickle = offerTrickle
        self.offerVideo = offerVideo
        self.dtlsHandshakeTimeout = dtlsHandshakeTimeout
    }
}
