/// Every parser that takes bytes from the network, a file or a peer, by the name the fuzz driver
/// and the robustness tests use.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case stun
    case sdp
    case rtp
    case rtcp
    case annexb
    case depacketizer

    /// Feeds one input to the parser behind this target.
    public func run(_ data: [UInt8]) -> FuzzOutcome {
        switch self {
        case .stun: STUNFuzz.run(data)
        case .sdp: SDPFuzz.run(data)
        case .rtp: RTPFuzz.run(data)
        case .rtcp: RTCPFuzz.run(data)
        case .annexb: AnnexBFuzz.run(data)
        case .depacketizer: DepacketizerFuzz.run(data)
        }
    }
}
