import DataChannel
import SDP
import Security

/// What the transport needs from a remote description (RFC 8829 §5.10, RFC 9143 §7.3.1): ICE
/// credentials, candidates and options of the BUNDLE transport (the first section of the first
/// BUNDLE group, or the first usable section when nothing is bundled), its DTLS fingerprints and
/// setup (RFC 8122, RFC 8842), and the SCTP port and max-message-size of the application
/// section (RFC 8841).
public struct RemoteTransportParameters: Sendable, Equatable {
    public var credentials: ICECredentials
    public var candidates: [CandidateAttribute]
    public var endOfCandidates: Bool
    /// `a=ice-options:trickle` (RFC 8840 §4.1.1).
    public var trickle: Bool
    public var iceLite: Bool
    public var fingerprints: [CertificateFingerprint]
    public var setup: DTLSSetup?
    /// The application section's `a=sctp-port`; nil when data channels are not offered.
    public var sctpPort: UInt16?
    /// The peer's `a=max-message-size` (65536 when absent, RFC 8841 §6.1).
    public var maxMessageSize: Int
    /// The mid of the BUNDLE transport section, the one trickled candidates refer to.
    public var transportMID: String?

    public init(_ description: SessionDescription) throws(PeerConnectionError) {
        let mids = description.media.compactMap(\.mid)
        guard Set(mids).count == mids.count else { throw .invalidDescription("a mid appears in two media sections") }
        let usable = description.media.filter { $0.port != 0 || $0.bundleOnly }
        let tagged = description.bundleGroups.first?.mids.first.flatMap { description.media(withMID: $0) }
        guard let transport = tagged ?? usable.first else { throw .noUsableMedia }
        guard let credentials = description.iceCredentials(for: transport) else { throw .missingICECredentials }
        self.credentials = credentials
        candidates = transport.candidates
        endOfCandidates = transport.endOfCandidates
        let options = description.iceOptions(for: transport)
        trickle = options.contains { $0.lowercased() == "trickle" }
        iceLite = description.iceLite
        fingerprints = description.fingerprints(for: transport).compactMap { line in
            try? CertificateFingerprint(sdpValue: line.attributeValue)
        }
        guard CertificateFingerprint.preferredAlgorithm(in: fingerprints) != nil else { throw .noUsableFingerprint }
        setup = description.setup(for: transport)
        transportMID = transport.mid
        let application = description.media.first { $0.type == .application && $0.port != 0 && Self.isSCTP($0) }
        sctpPort = application.map { $0.sctpPort ?? SCTPConfiguration.defaultPort }
        if let size = application?.maxMessageSize {
            maxMessageSize = Int(clamping: size)
        } else {
            maxMessageSize = SCTPConfiguration.defaultMaxMessageSize
        }
    }

    /// `UDP/DTLS/SCTP` or `TCP/DTLS/SCTP` (RFC 8841 §4).
    static func isSCTP(_ media: MediaDescription) -> Bool {
        media.proto.uppercased().hasSuffix("DTLS/SCTP")
    }
}
