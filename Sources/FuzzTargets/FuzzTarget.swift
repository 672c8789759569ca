/// Every parser that takes bytes from the network, a file or a peer, by the name the fuzz driver
/// and the robustness tests use.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case stun
    case sdp
    case rtp
    case rtcp
    case annexb
    case depacketizer
    case signaling
    case ice
    case turn
    case dcep
    case dtls
    case rest
    case wsurl

    /// Feeds one input to the parser behind this target.
    public func run(_ data: [UInt8]) -> FuzzOutcome {
        switch self {
        case .stun: STUNFuzz.run(data)
        case .sdp: SDPFuzz.run(data)
        case .rtp: RTPFuzz.run(data)
        case .rtcp: RTCPFuzz.run(data)
        case .annexb: AnnexBFuzz.run(data)
        case .depacketizer: DepacketizerFuzz.run(data)
        case .signaling: SignalingFuzz.run(data)
        case .ice: ICEFuzz.run(data)
        case .turn: TURNFuzz.run(data)
        case .dcep: DCEPFuzz.run(data)
        case .dtls: DTLSFuzz.run(data)
        case .rest: RESTFuzz.run(data)
        case .wsurl: WebSocketURLFuzz.run(data)
        }
    }

    /// Valid inputs to start a corpus from: a fuzzer that begins with real messages reaches deep
    /// parser states much sooner than one that starts from nothing.
    public var seedInputs: [[UInt8]] {
        switch self {
        case .stun: STUNFuzz.seeds
        case .sdp: [Array(FuzzTarget.sampleOffer.utf8)]
        case .rtp: RTPFuzz.seedInputs()
        case .rtcp: FuzzTarget.rtcpSeeds
        case .annexb: AnnexBFuzz.seedInputs()
        case .depacketizer: DepacketizerFuzz.seedInputs()
        case .signaling: SignalingFuzz.seeds
        case .ice: ICEFuzz.seeds
        case .turn: TURNFuzz.seeds
        case .dcep: DCEPFuzz.seeds
        case .dtls: DTLSFuzz.seeds
        case .rest: RESTFuzz.seeds
        case .wsurl: WebSocketURLFuzz.seeds
        }
    }

    /// A small offer in the shape browsers send (BUNDLE, rtcp-mux, trickle, data channel).
    static let sampleOffer = """
        v=0\r
        o=- 4611731400430051336 2 IN IP4 127.0.0.1\r
        s=-\r
        t=0 0\r
        a=group:BUNDLE 0 1\r
        a=msid-semantic: WMS\r
        m=video 9 UDP/TLS/RTP/SAVPF 102 103\r
        c=IN IP4 0.0.0.0\r
        a=rtcp:9 IN IP4 0.0.0.0\r
        a=ice-ufrag:EsAw\r
        a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
        a=ice-options:trickle\r
        a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r
        a=setup:actpass\r
        a=mid:0\r
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r
        a=recvonly\r
        a=rtcp-mux\r
        a=rtcp-rsize\r
        a=rtpmap:102 H264/90000\r
        a=rtcp-fb:102 nack\r
        a=rtcp-fb:102 nack pli\r
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r
        a=rtpmap:103 rtx/90000\r
        a=fmtp:103 apt=102\r
        a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0\r
        a=candidate:2 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.20 rport 54321\r
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
        c=IN IP4 0.0.0.0\r
        a=ice-ufrag:EsAw\r
        a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
        a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r
        a=setup:actpass\r
        a=mid:1\r
        a=sctp-port:5000\r
        a=max-message-size:262144\r

        """

    /// RR, PLI, generic NACK and REMB as a browser sends them.
    static let rtcpSeeds: [[UInt8]] = [
        [0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44],
        [0x81, 206, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0xAA, 0xBB, 0xCC, 0xDD],
        [0x81, 205, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0xAA, 0xBB, 0xCC, 0xDD, 0x12, 0x34, 0x00, 0x05],
        [0x8F, 206, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x52, 0x45, 0x4D, 0x42,
         0x01, 0x13, 0x12, 0xD0, 0xAA, 0xBB, 0xCC, 0xDD],
    ]
}
